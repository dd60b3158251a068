"""The bench's in-process dock detector (xdock.py) sees what ``Desktop.tray_slots`` sees, when it happens."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.desktop import Desktop, missing_tools
from support.layers import missing_layer

from bench.xdock import DockWatch

BARE = Path(__file__).with_name("bare_tray.py")


@pytest.fixture
def desktop() -> Iterator[Desktop]:
    if missing_tools():
        missing_layer(f"the test desktop needs {', '.join(missing_tools())}")
    with Desktop() as started:
        yield started


def _wait_for_pid(watch: DockWatch, pid: int, timeout: float = 30.0) -> None:
    """As the bench waits: woken by the tray's X events, else every 2 ms."""
    deadline = time.monotonic() + timeout
    while not any(slot.pid == pid for slot in watch.slots()):
        assert time.monotonic() < deadline, f"the watcher never saw process {pid} docked"
        watch.wait(0.002)


@pytest.mark.display
def test_dock_watch_agrees_with_tray_slots(desktop: Desktop) -> None:
    with DockWatch(desktop.display, desktop.panel, desktop.tray_box) as watch:
        assert watch.slots() == desktop.tray_slots() == []
        first = desktop.spawn([sys.executable, str(BARE)], name="first")
        _wait_for_pid(watch, first.pid)
        second = desktop.spawn([sys.executable, str(BARE)], name="second")
        _wait_for_pid(watch, second.pid)
        desktop.wait_for_tray_icon(first.pid)
        desktop.wait_for_tray_icon(second.pid)

        seen = watch.slots()
        assert seen == desktop.tray_slots()  # same sockets, same boxes, same PIDs
        assert sorted(slot.pid or 0 for slot in seen) == sorted([first.pid, second.pid])
        assert len({slot.window for slot in seen}) == 2

        first.terminate()
        first.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(slot.pid == first.pid for slot in watch.slots()):
            assert time.monotonic() < deadline, "the watcher still shows the first app docked"
            watch.wait(0.002)
        assert [slot.pid for slot in watch.slots()] == [second.pid]
        assert watch.slots() == desktop.tray_slots()
