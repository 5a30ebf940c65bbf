"""Two commits side by side on one machine (`make bench-compare BASE=<commit>`).

Absolute times differ from machine to machine and hour to hour; figures taken in one run,
interleaved, do not. The base commit is exported into a scratch folder with a virtual
environment of its own (its own pins), kept under `.bench-base/<commit>` for the next run. Then
the chosen benchmarks run for the base and for the working tree in turn (A B A B ...), each in
a fresh process, and each figure is printed for both with the ratio today/base of the medians.

Environment: BASE (a commit, required), BENCH (modules of `bench`, comma-separated; default
`endtoend`), ROUNDS (default 2).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from pathlib import Path

from bench.ratios import lane_over_plain

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".bench-base"
FIGURE = re.compile(r"^([a-z][a-z0-9_]*): (-?[0-9.]+(?:e-?\d+)?)$")


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


def base_tree(commit: str) -> Path:
    """The base commit's files and a venv of its own, made once per commit."""
    sha = git("rev-parse", "--verify", f"{commit}^{{commit}}")
    folder = CACHE / sha[:12]
    python = folder / ".venv" / "bin" / "python"
    if python.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with tempfile.TemporaryFile() as archive:
        subprocess.run(["git", "archive", sha], cwd=ROOT, check=True, stdout=archive)
        archive.seek(0)
        with tarfile.open(fileobj=archive) as tar:
            tar.extractall(folder, filter="data")
    print(f"# building {sha[:12]} in {folder} (once)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(folder / ".venv")], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-c", "constraints.txt", "-e", ".[test]"],
        cwd=folder, check=True,
    )  # fmt: skip
    return folder


def run_bench(tree: Path, python: Path, module: str) -> dict[str, float]:
    """One benchmark in a fresh process of `tree`'s own code; its `name: value` lines."""
    # Not `-m`: a bench module need not run itself; `main` may take an argument list.
    call = (
        f"import inspect, bench.{module} as b; "
        "b.main(*([[]] if inspect.signature(b.main).parameters else []))"
    )
    done = subprocess.run(
        [str(python), "-c", call],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree), "GPIOZERO_PIN_FACTORY": "mock"},
        capture_output=True,
        text=True,
        check=False,
    )
    figures = {m[1]: float(m[2]) for m in map(FIGURE.match, done.stdout.splitlines()) if m}
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
        print(f"# {tree.name} bench.{module} failed: {' '.join(tail)}", flush=True)
    return figures


def main() -> None:
    base = os.environ.get("BASE", "")
    if not base:
        sys.exit("bench-compare: give the commit to compare with: make bench-compare BASE=<commit>")
    modules = [m for m in os.environ.get("BENCH", "endtoend").split(",") if m]
    rounds = int(os.environ.get("ROUNDS", "2"))
    base_dir = base_tree(base)
    sides = {
        "base": (base_dir, base_dir / ".venv" / "bin" / "python"),
        "today": (ROOT, Path(sys.executable)),
    }
    taken: dict[str, dict[str, list[float]]] = {"base": defaultdict(list), "today": {}}
    taken["today"] = defaultdict(list)
    for n in range(rounds):
        for side, (tree, python) in sides.items():  # A B A B: both see the same machine
            for module in modules:
                print(f"# round {n + 1}: {side} bench.{module}", flush=True)
                for name, value in run_bench(tree, python, module).items():
                    taken[side][name].append(value)
    for figures in taken.values():
        # Ratios of two figures taken in the same round, one after the other, as `make bench`
        # prints them: round by round, then the median.
        for n in range(rounds):
            one_round = {name: values[n] for name, values in figures.items() if len(values) > n}
            for name, value in lane_over_plain(one_round).items():
                figures[name].append(value)
    names = sorted(set(taken["base"]) | set(taken["today"]))
    print(f"{'figure':36} {'base':>18} {'today':>18} {'today/base':>10}")
    for name in names:
        a, b = taken["base"].get(name, []), taken["today"].get(name, [])
        ratio = (
            f"{statistics.median(b) / statistics.median(a):.2f}"
            if a and b and statistics.median(a)
            else "-"
        )
        print(f"{name:36} {_values(a):>18} {_values(b):>18} {ratio:>10}")


def _values(values: list[float]) -> str:
    return ", ".join(f"{v:g}" for v in values) or "-"


if __name__ == "__main__":
    main()
