"""EM4100 and ID-12 readers end to end: real pyserial on a pseudo-terminal, loop:// and socket://."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import TypeVar

import pytest

from drivers.badge_reader import BadgeReader, RepeatSuppressor
from drivers.clock import ManualClock
from drivers.events import BadgeRead, FrameRejected, ReaderOffline, ReaderOnline
from drivers.framing import EM4100, ID12, FrameFormat, encode_frame
from drivers.readers import Em4100Reader, Id12Reader, open_reader
from tests.drivers.driverfakes import PtyDevice, Recorder, reader_callbacks, wait_until

CARD = "0C000621A5"
OTHER = "01020304AB"

MakePty = Callable[..., PtyDevice]
R = TypeVar("R", bound=BadgeReader)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@dataclass(frozen=True)
class Kind:
    reader: type[Em4100Reader] | type[Id12Reader]
    fmt: FrameFormat

    def frame(self, uid: str, checksum: int | None = None) -> bytes:
        return encode_frame(uid, self.fmt, checksum=checksum)


@pytest.fixture(params=[Kind(Em4100Reader, EM4100), Kind(Id12Reader, ID12)], ids=["em4100", "id12"])
def kind(request: pytest.FixtureRequest) -> Kind:
    """Each serial reader family in turn."""
    result: Kind = request.param
    return result


def online(reader: R) -> R:
    # Bytes written before the port is opened are flushed by pyserial, as on a real port.
    assert wait_until(lambda: reader.is_online)
    return reader


def test_reader_reports_a_badge_read_over_a_serial_port(
    kind: Kind, pty_device: MakePty, recorder: Recorder
) -> None:
    device = pty_device()
    with online(kind.reader(device.path, **reader_callbacks(recorder))) as reader:
        device.write(b"\x00\xff" + kind.frame(CARD)[:7])  # line noise, then a split frame
        device.write(kind.frame(CARD)[7:])
        (read,) = recorder.wait_for(BadgeRead)
        assert read.uid == CARD
        assert read.reader == device.path
        assert read.read_at.tzinfo is not None
        assert reader.read_count == 1
        assert reader.baudrate == 9600


def test_card_held_on_repeating_reader_is_one_presentation(
    kind: Kind, pty_device: MakePty, recorder: Recorder
) -> None:
    device = pty_device()
    clock = ManualClock()
    reader = kind.reader(device.path, clock=clock, **reader_callbacks(recorder))
    with online(reader):
        # The RDM6300 repeats the frame while the card stays in the field (an ID-12 should
        # not, but a bouncing card does the same); OTHER marks how far the reader has got.
        device.write(kind.frame(CARD) * 5 + kind.frame(OTHER))
        recorder.wait_for(BadgeRead, 2)
        for sentinel in ("0000000001", "0000000002"):
            clock.advance(2.5)  # still held: 2.5 s since it was last seen
            device.write(kind.frame(CARD) + kind.frame(sentinel))
            recorder.wait_for(BadgeRead, 3 if sentinel.endswith("1") else 4)
        assert [e.uid for e in recorder.of(BadgeRead)] == [
            CARD,
            OTHER,
            "0000000001",
            "0000000002",
        ]


def test_same_card_after_the_suppression_window_is_a_new_presentation(
    pty_device: MakePty, recorder: Recorder
) -> None:
    device = pty_device()
    clock = ManualClock()
    reader = Em4100Reader(
        device.path, clock=clock, repeat_suppress_seconds=3.0, **reader_callbacks(recorder)
    )
    with online(reader):
        device.write(encode_frame(CARD))
        recorder.wait_for(BadgeRead)
        clock.advance(3.0)
        device.write(encode_frame(CARD))
        reads = recorder.wait_for(BadgeRead, 2)
        assert [r.uid for r in reads] == [CARD, CARD]
        assert (reads[1].read_at - reads[0].read_at).total_seconds() == 3.0


def test_bad_frame_is_counted_and_the_next_good_frame_still_read(
    kind: Kind, pty_device: MakePty, recorder: Recorder
) -> None:
    device = pty_device()
    with online(kind.reader(device.path, **reader_callbacks(recorder))) as reader:
        device.write(kind.frame(CARD, checksum=0x00) + b"\x02ZZ\x03" + kind.frame(CARD))
        (read,) = recorder.wait_for(BadgeRead)
        rejected = recorder.of(FrameRejected)
        assert read.uid == CARD
        assert [r.reason.split(":")[0] for r in rejected] == ["bad checksum", "bad shape"]
        assert reader.rejected_count == 2
        assert reader.last_fault is not None and reader.last_fault.startswith("bad shape")
        assert reader.is_online


def test_a_failing_callback_does_not_stop_the_reader(pty_device: MakePty) -> None:
    device = pty_device()
    reads: list[BadgeRead] = []

    def explode(event: BadgeRead) -> None:
        reads.append(event)
        raise RuntimeError("a screen handler went wrong")

    with Em4100Reader(device.path) as reader:
        reader.when_read = explode
        assert wait_until(lambda: reader.is_online)
        device.write(encode_frame(CARD) + encode_frame(OTHER))
        assert wait_until(lambda: len(reads) == 2)
        assert reader.is_online


def test_unplugged_reader_goes_offline_and_is_read_again_when_replugged_at_its_path(
    kind: Kind, pty_device: MakePty, recorder: Recorder, tmp_path: Path
) -> None:
    by_id = tmp_path / "usb-reader-if00-port0"  # as /dev/serial/by-id would name it
    first = pty_device(by_id)
    reader = kind.reader(str(by_id), retry_interval=0.1, **reader_callbacks(recorder))
    with online(reader):
        first.write(kind.frame(CARD))
        recorder.wait_for(BadgeRead)

        first.unplug()  # the adapter and its by-id link disappear
        (offline,) = recorder.wait_for(ReaderOffline)
        assert offline.port == str(by_id)
        assert offline.reason.endswith("device went away (unplugged?)")
        assert not reader.is_online

        second = pty_device(by_id)  # plugged back in: a new tty behind the same link
        recorder.wait_for(ReaderOnline, 2)
        second.write(kind.frame(OTHER))
        recorder.wait_for(BadgeRead, 2)
        assert recorder.kinds() == [
            "ReaderOnline",
            "BadgeRead",
            "ReaderOffline",
            "ReaderOnline",
            "BadgeRead",
        ]
        assert [r.uid for r in recorder.of(BadgeRead)] == [CARD, OTHER]


def test_reader_missing_at_start_is_offline_until_plugged_in(
    pty_device: MakePty, recorder: Recorder, tmp_path: Path
) -> None:
    path = tmp_path / "usb-reader"
    reader = Em4100Reader(str(path), retry_interval=0.1, **reader_callbacks(recorder))
    with reader:
        (offline,) = recorder.wait_for(ReaderOffline)
        assert "no such port" in offline.reason
        assert reader.last_fault == offline.reason
        time.sleep(0.3)  # several retries: still one offline event
        assert len(recorder.of(ReaderOffline)) == 1
        device = pty_device(path)
        recorder.wait_for(ReaderOnline)
        device.write(encode_frame(CARD))
        assert recorder.wait_for(BadgeRead)[0].uid == CARD


def test_closing_the_reader_stops_it_promptly_and_reports_nothing_more(
    pty_device: MakePty, recorder: Recorder
) -> None:
    device = pty_device()
    reader = online(Em4100Reader(device.path, **reader_callbacks(recorder)))
    started = time.monotonic()
    reader.close()
    assert time.monotonic() - started < 1.0
    device.write(encode_frame(CARD))
    time.sleep(0.1)
    assert recorder.of(BadgeRead) == []
    assert not reader.is_online
    reader.close()  # idempotent


def test_two_readers_cannot_share_one_port(pty_device: MakePty, recorder: Recorder) -> None:
    device = pty_device()
    with online(Em4100Reader(device.path, **reader_callbacks(recorder))):
        second = Recorder()
        with Em4100Reader(device.path, retry_interval=0.1, **reader_callbacks(second)):
            assert "in use" in second.wait_for(ReaderOffline)[0].reason


def test_reader_on_a_loop_url_comes_online(recorder: Recorder) -> None:
    reader = Em4100Reader("loop://", **reader_callbacks(recorder))
    with reader:
        (online,) = recorder.wait_for(ReaderOnline)
        assert online.port == "loop://"
        assert online.at.tzinfo == UTC


@pytest.fixture
def tcp_reader() -> Iterator[tuple[str, list[socket.socket]]]:
    """A reader behind a serial-to-network adapter: a TCP server the driver connects to."""
    server = socket.create_server(("127.0.0.1", 0))
    connections: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            connections.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    yield f"socket://127.0.0.1:{server.getsockname()[1]}", connections
    server.close()
    for conn in connections:
        conn.close()


def test_reader_on_a_socket_url_reads_and_reconnects(
    tcp_reader: tuple[str, list[socket.socket]], recorder: Recorder
) -> None:
    url, connections = tcp_reader
    reader = open_reader("em4100", url, 9600, 3.0, retry_interval=0.1, **reader_callbacks(recorder))
    assert isinstance(reader, Em4100Reader)
    with online(reader):
        assert wait_until(lambda: len(connections) == 1)
        connections[0].sendall(encode_frame(CARD))
        recorder.wait_for(BadgeRead)
        connections[0].close()
        recorder.wait_for(ReaderOffline)
        assert wait_until(lambda: len(connections) == 2)
        recorder.wait_for(ReaderOnline, 2)
        connections[1].sendall(encode_frame(OTHER))
        assert [r.uid for r in recorder.wait_for(BadgeRead, 2)] == [CARD, OTHER]


def test_repeat_suppression_counts_from_the_last_sighting() -> None:
    suppressor = RepeatSuppressor(3.0)
    sightings = [(0.0, True), (1.0, False), (3.5, False), (6.4, False), (9.4, True)]
    for at, new in sightings:
        assert suppressor.is_new_presentation(CARD, at) is new, at
    assert suppressor.is_new_presentation(OTHER, 9.5) is True


def test_open_reader_knows_every_driver_name(tmp_path: Path) -> None:
    assert open_reader("none", "") is None
    with pytest.raises(ValueError, match="unknown reader driver 'rdm'"):
        open_reader("rdm", "/dev/ttyUSB0")
    with pytest.raises(ValueError, match="needs a port"):
        open_reader("em4100", "")
    with pytest.raises(ValueError, match="/dev/input"):
        open_reader("keyboard", "/dev/serial/by-id/usb-reader")
    for driver, kind in [("em4100", Em4100Reader), ("id12", Id12Reader)]:
        reader = open_reader(driver, str(tmp_path / "absent"), 9600, 3.0)
        assert isinstance(reader, kind)
        assert reader.baudrate == 9600
        reader.close()
