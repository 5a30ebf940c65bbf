"""A throwaway PostgreSQL server for the test session: private directory, socket and port."""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# initdb and postgres refuse to run as root; when the tests run as root they run as this user.
SERVER_USER = "postgres"
# Not UTC on purpose: times must come back as the same instant whatever the server's zone.
SERVER_TIMEZONE = "Europe/London"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server could be started here; the message says why."""


def find_bindir() -> Path:
    """The folder holding initdb, pg_ctl and postgres: $PG_BINDIR, else pg_config's, else
    the newest /usr/lib/postgresql/*/bin."""
    tools = ("initdb", "pg_ctl", "postgres")
    chosen = os.environ.get("PG_BINDIR")
    if chosen:
        if all((Path(chosen) / tool).is_file() for tool in tools):
            return Path(chosen)
        raise PostgresUnavailable(f"PG_BINDIR={chosen} does not hold {', '.join(tools)}")
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            )
            candidates.append(Path(out.stdout.strip()))
    # Debian and Ubuntu keep each major version apart; prefer the newest.
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    versions.sort(key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0)
    candidates.extend(Path(p) for p in reversed(versions))
    for folder in candidates:
        if all((folder / tool).is_file() for tool in tools):
            return folder
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl, postgres) found via pg_config or "
        "/usr/lib/postgresql/*/bin; install the postgresql package"
    )


def free_port() -> int:
    """A localhost TCP port nobody is listening on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    """One PostgreSQL cluster in a private temporary folder, started and stopped by the tests."""

    name: str = "main"
    bindir: Path = field(default_factory=find_bindir)
    root: Path = field(init=False)
    port: int = field(init=False, default=0)
    running: bool = field(init=False, default=False)
    _counter: itertools.count[int] = field(init=False, default_factory=itertools.count)

    def __post_init__(self) -> None:
        self._account = _server_account()
        self.root = Path(tempfile.mkdtemp(prefix=f"kiosk-pg-{self.name}-"))
        if self._account is not None:
            os.chown(self.root, self._account.pw_uid, self._account.pw_gid)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def start(self, attempts: int = 3) -> None:
        """initdb and start, retrying with another port if the one picked was taken meanwhile."""
        self._run(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
                "--no-instructions",
            ]
        )
        last = ""
        for _ in range(attempts):
            self.port = free_port()
            options = " ".join(
                (
                    f"-p {self.port}",
                    f"-k {self.socket_dir}",
                    "-c listen_addresses=127.0.0.1",
                    # Speed over durability: the cluster is thrown away after the tests.
                    "-c fsync=off",
                    "-c synchronous_commit=off",
                    "-c full_page_writes=off",
                    "-c shared_buffers=32MB",
                    "-c max_connections=60",
                    f"-c timezone={SERVER_TIMEZONE}",
                )
            )
            try:
                self._run(
                    [
                        str(self.bindir / "pg_ctl"),
                        "-D",
                        str(self.data_dir),
                        "-l",
                        str(self.log_file),
                        "-o",
                        options,
                        "-w",
                        "-t",
                        "60",
                        "start",
                    ]
                )
            except PostgresUnavailable as exc:
                last = f"{exc}\n{self._log_tail()}"
                continue
            self.running = True
            return
        raise PostgresUnavailable(f"the server would not start: {last}")

    def stop(self) -> None:
        """Stop the server (if running) and remove its folder."""
        if self.running:
            with contextlib.suppress(PostgresUnavailable):
                pg_ctl = str(self.bindir / "pg_ctl")
                self._run([pg_ctl, "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"])
            self.running = False
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; its SQLAlchemy URL."""
        name = f"t{os.getpid()}_{next(self._counter)}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql.encode())

    def _run(self, command: list[str]) -> None:
        kwargs: dict[str, Any] = {}
        if self._account is not None:
            kwargs.update(user=self._account.pw_uid, group=self._account.pw_gid, extra_groups=[])
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C")
        try:
            result = subprocess.run(
                command,
                cwd=self.root,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
                **kwargs,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise PostgresUnavailable(f"{Path(command[0]).name}: {exc}") from exc
        if result.returncode != 0:
            output = (result.stderr or result.stdout).strip()
            raise PostgresUnavailable(
                f"{Path(command[0]).name} exited with {result.returncode}: {output}"
            )

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _server_account() -> pwd.struct_passwd | None:
    """The account to run the server as: None to run as ourselves (we are not root)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise PostgresUnavailable(
            f"running as root and there is no {SERVER_USER!r} user to run PostgreSQL as"
        ) from None


def start_server(name: str) -> PostgresServer:
    """A running server named `name` (e.g. the xdist worker id), or PostgresUnavailable."""
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise PostgresUnavailable(f"psycopg is not installed: {exc}") from None
    server = PostgresServer(name=name)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server
