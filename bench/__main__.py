"""Run every benchmark and print its figures (`make bench`).

A benchmark that fails says which one could not take its figures, and the others still run.
"""

import traceback

from bench import endtoend, lane, panel, readers, roster, sync, usecases
from bench.ratios import lane_over_plain

taken: dict[str, float] = {}
BENCHES = (
    ("usecases", usecases.main),
    ("endtoend", lambda: taken.update(endtoend.main())),
    ("roster", roster.main),
    # LANE_BENCH_LEARNERS sets the morning's size (1,000 by default)
    ("lane", lambda: taken.update(lane.main([]))),
    ("sync", sync.main),
    ("readers", readers.main),
    ("panel", panel.main),
)

failed = []
for name, run in BENCHES:
    try:
        run()
    except Exception as exc:  # the next bench still runs; this one says what it could not take
        traceback.print_exc()
        print(f"# bench.{name} could not take its figures: {exc!r}", flush=True)
        failed.append(name)
for name, ratio in lane_over_plain(taken).items():
    print(f"{name}: {ratio:.2f}")
if failed:
    raise SystemExit(f"benchmarks that failed: {', '.join(failed)}")
