"""The office away from the door: `kiosk office` (the office as a web page) and
`kiosk roll` (the fire roll, printable, from the local record with the network down)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

from kiosk.cli.io import OK, USAGE, KioskError, SubParsers, add_command, command_config, school_book
from kiosk.cli.io import say as _say
from kiosk.clock import utc_now as _now
from kiosk.database import open_school_book
from kiosk.domain.csvsafe import spreadsheet_safe
from kiosk.exports import write_export_file
from kiosk.office.roll import ROLL_HEADER, roll_rows, roll_text, school_roll
from records.csvfiles import write_csv
from records.keys import KeyFileError

log = logging.getLogger(__name__)


def add_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    """Register `kiosk office` and `kiosk roll` on the `kiosk` parser's subcommands."""
    office = add_command(
        sub,
        "office",
        common,
        help="serve the office web page to browsers at the desk ([office] listen)",
        example="kiosk office --config /etc/kiosk/kiosk.toml",
    )
    office.set_defaults(handler=cmd_office)
    roll = add_command(
        sub,
        "roll",
        common,
        help="the fire roll: who is on site now, by registration group, and the staff signed on",
        example="kiosk roll | lp\nkiosk roll --format csv --out /media/kiosk-usb/roll.csv",
    )
    roll.add_argument(
        "--format",
        choices=["text", "csv"],
        help="text, laid out for printing, or csv (default: csv for an --out ending .csv, "
        "else text)",
    )
    roll.add_argument("--out", type=Path, metavar="FILE", help="write to FILE (default: stdout)")
    roll.set_defaults(handler=cmd_roll)


LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def cmd_office(args: argparse.Namespace) -> int:
    import uvicorn

    from kiosk.office_web import make_office_web

    config = command_config(args)
    host, port = config.office.host_port
    if host not in LOOPBACK and not config.office.proxied:
        raise KioskError(
            f"[office] listen = {config.office.listen!r}: the office serves plain HTTP, so it "
            "answers this machine only unless a TLS reverse proxy fronts it; keep listen on "
            "127.0.0.1 behind the proxy (docs/office.md), or set [office] proxied = true and "
            "public_url if the proxy is on another machine",
            USAGE,
        )
    book = open_school_book(config.database)
    try:
        app = make_office_web(config, book, clock=_now, close_book=True)
    except KeyFileError as exc:
        book.close()
        raise KioskError(f"[database] key_file: {exc}", USAGE) from None
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            # Behind the proxy the address of who signs in comes from X-Forwarded-For, which
            # the proxy must set (not append to); never believed without one.
            proxy_headers=config.office.proxied,
            forwarded_allow_ips="127.0.0.1,::1" if config.office.proxied else "",
            server_header=False,
            log_config=None,
        )
    )
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    log.info("serving the office on http://%s:%d", host, port)
    try:
        server.run()  # until SIGTERM or SIGINT
    except SystemExit:  # uvicorn's answer to an address it cannot bind (logged above)
        raise KioskError(
            f"[office] listen: cannot listen on {config.office.listen}", USAGE
        ) from None
    return OK


def cmd_roll(args: argparse.Namespace) -> int:
    config = command_config(args)
    with school_book(config) as book, book.reads() as session:
        roll = school_roll(session, config=config, now=_now())
    out: Path | None = args.out
    kind = args.format or ("csv" if out is not None and out.suffix.lower() == ".csv" else "text")
    if kind == "csv":
        if out is None:
            write_csv(sys.stdout, ROLL_HEADER, roll_rows(roll), escape=spreadsheet_safe)
            sys.stdout.flush()
        else:
            write_export_file(out, ROLL_HEADER, roll_rows(roll))
    elif out is None:
        sys.stdout.write(roll_text(roll))
        sys.stdout.flush()
    else:
        _write_text(out, roll_text(roll))
    if out is not None:
        _say(f"{roll.taken_at}: {roll.learner_count} learner(s), {len(roll.staff)} staff -> {out}")
    return OK


def _write_text(out: Path, text: str) -> None:
    """A file that appears whole or not at all, as the exports are written."""
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise KioskError(f"{folder}: no such folder for the roll")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
