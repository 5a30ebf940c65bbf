"""The Raspberry Pi commands of the `kiosk` command line: `kiosk backup`."""

from __future__ import annotations

import argparse
import ipaddress
from datetime import datetime
from pathlib import Path

from kiosk.cli.io import (
    OK,
    REJECTED,
    USAGE,
    KioskError,
    SubParsers,
    add_command,
    command_config,
    error,
    say,
    whole_number,
)
from kiosk.upkeep.backup import (
    DEFAULT_BACKUP_FOLDER,
    DEFAULT_KEEP_DAYS,
    BackupError,
    backup_sqlite,
    database_file,
    ensure_backup_folder,
)


def add_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    """Register the Pi commands on `kiosk`'s subparsers (kiosk.cli calls this)."""
    backup = add_command(
        sub,
        "backup",
        common,
        help="an online backup of the SQLite database, checked, keeping the last N days",
        example="kiosk backup --to /media/usb/kiosk-backups --keep-days 30",
    )
    backup.add_argument(
        "--to",
        type=Path,
        default=DEFAULT_BACKUP_FOLDER,
        metavar="FOLDER",
        help=f"where the backups go (default: {DEFAULT_BACKUP_FOLDER})",
    )
    backup.add_argument(
        "--keep-days",
        type=whole_number(1, "days"),
        default=DEFAULT_KEEP_DAYS,
        metavar="N",
        help=f"keep the backups of the last N days (default: {DEFAULT_KEEP_DAYS})",
    )
    backup.set_defaults(handler=cmd_backup)

    panel = add_command(
        sub,
        "panel",
        common,
        help="serve the kiosk to the panel's browser on this Pi (Chromium under cage)",
        example="kiosk panel --listen 127.0.0.1:8080",
    )
    panel.add_argument(
        "--listen",
        default="127.0.0.1:8080",
        metavar="HOST:PORT",
        help="where the panel's browser connects (default 127.0.0.1:8080: this Pi only)",
    )
    panel.add_argument(
        "--allow-network",
        action="store_true",
        help="let --listen be an address other machines can reach (the whole kiosk, staff "
        "screens included, would be theirs to open: only behind a firewall you control)",
    )
    panel.set_defaults(handler=cmd_panel)


def cmd_panel(args: argparse.Namespace) -> int:
    """`kiosk run` from the start, started again whenever it ends; the browser attaches to it."""
    import sys

    from kiosk.serve.panel import serve_panel

    config = command_config(args)
    host, _, port = args.listen.rpartition(":")
    if not host or not port.isdigit():
        raise KioskError(f"--listen {args.listen!r}: give HOST:PORT, e.g. 127.0.0.1:8080")
    if not _loopback(host):
        if not args.allow_network:
            raise KioskError(
                f"--listen {args.listen!r} would put the whole kiosk, staff screens included, "
                "on the network; the panel's browser is on this Pi: use 127.0.0.1 (or add "
                "--allow-network if you really mean it)",
                USAGE,
            )
        error(f"warning: the kiosk is served on {args.listen}: anyone who can reach it can use it")
    source = config.source.resolve() if config.source else None
    run = [sys.executable, "-m", "kiosk", "run", *(["--config", str(source)] if source else [])]
    serve_panel(run, host=host, port=int(port), title=config.school.name)
    return OK


def _loopback(host: str) -> bool:
    """Whether `host` names this machine only (an address, or localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve anywhere


def cmd_backup(args: argparse.Namespace) -> int:
    config = command_config(args)
    folder: Path = args.to
    try:
        db_path = database_file(config.database.url)
    except BackupError as exc:
        raise KioskError(f"{config.source}: {exc}", USAGE) from None
    if not db_path.is_file():
        raise KioskError(f"{db_path}: no database there; run `kiosk db upgrade` first", USAGE)
    try:
        # The folder itself may be new (the first night); its parent must exist (a USB stick).
        ensure_backup_folder(folder)
    except OSError as exc:
        raise KioskError(f"{folder}: cannot use this folder for backups: {exc.strerror}") from None
    now = datetime.now(config.school.zone)  # files are named by the school's calendar day
    try:
        result = backup_sqlite(db_path, folder, now=now, keep_days=args.keep_days)
    except BackupError as exc:
        raise KioskError(str(exc), REJECTED) from None
    except OSError as exc:
        raise KioskError(f"{folder}: cannot write the backup: {exc.strerror}", REJECTED) from None
    say(result.summary())
    return OK
