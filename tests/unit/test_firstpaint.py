"""The icon's remembered first picture: it holds only while its files are as they were, before its end."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from support.fakeenv import Fakes
from test_controller import GOOD, RecordingSurface, act, tray_on

from trayapp.core.places import state_file
from trayapp.tray.controller import IconSpec
from trayapp.tray.firstpaint import file_marks, memory_path, memory_text, picture_inputs, recall
from trayapp.tray.menu import OpenConsole

NOW = 1_800_000_000.0
GREEN = IconSpec(color="2e7d32", label="Side project")


@pytest.fixture
def inputs(tmp_path: Path) -> list[Path]:
    files = [tmp_path / name for name in ("config.toml", "aws-config", "aws-credentials", "state.json")]
    for path in files[:3]:
        path.write_text(f"# {path.name}\n")
    return files  # state.json is not there: a missing file is an input too


def remembered(
    tmp_path: Path, inputs: list[Path], spec: IconSpec = GREEN, until: float | None = NOW + 60
) -> Path:
    memory = tmp_path / "first-paint.json"
    memory.write_text(memory_text(file_marks(inputs), spec, until))
    return memory


def test_the_picture_holds_while_its_files_are_as_they_were_and_until_its_end(
    tmp_path: Path, inputs: list[Path]
) -> None:
    memory = remembered(tmp_path, inputs)
    assert recall(memory, inputs, NOW) == GREEN
    assert recall(memory, inputs, NOW + 59.9) == GREEN
    assert recall(memory, inputs, NOW + 60) is None  # the console's session ended: the mark now
    forever = remembered(tmp_path, inputs, IconSpec(warning=True, terminal=True), until=None)
    assert recall(forever, inputs, NOW + 10**9) == IconSpec(warning=True, terminal=True)


@pytest.mark.parametrize("index", range(4))
@pytest.mark.parametrize("change", ["edited", "replaced by the same bytes", "removed or created"])
def test_any_change_to_any_of_its_files_is_a_miss(
    tmp_path: Path, inputs: list[Path], index: int, change: str
) -> None:
    memory = remembered(tmp_path, inputs)
    path = inputs[index]
    if change == "edited":
        path.write_text(path.read_text() + "x" if path.exists() else "{}")
    elif change == "replaced by the same bytes":  # an editor's save: a new file, same bytes and mtime
        if path.exists():
            before = path.stat()
            fresh = path.with_name(path.name + ".new")
            fresh.write_bytes(path.read_bytes())
            os.utime(fresh, ns=(before.st_atime_ns, before.st_mtime_ns))
            fresh.replace(path)
            assert path.stat().st_mtime_ns == before.st_mtime_ns and path.stat().st_size == before.st_size
        else:
            path.write_bytes(b"")
    elif path.exists():
        path.unlink()
    else:
        path.write_text("{}")
    assert recall(memory, inputs, NOW) is None


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"not json",
        b"[]",
        b'{"format": 2}',
        b'{"format": 1, "files": [], "until": null, "spec": {}}',
        b'{"format": 1, "files": [], "until": "soon", "spec": {"color": null, "label": null, "warning": false, "terminal": false}}',
        b'{"format": 1, "files": [], "until": null, "spec": {"color": 7, "label": null, "warning": false, "terminal": false}}',
        b'{"format": 1, "files": [], "until": null, "spec": {"color": null, "label": null, "warning": 1, "terminal": false}}',
    ],
)
def test_a_damaged_memory_is_a_miss_never_an_error(tmp_path: Path, damage: bytes) -> None:
    memory = tmp_path / "first-paint.json"
    memory.write_bytes(damage)
    assert recall(memory, [], NOW) is None
    assert recall(tmp_path / "absent.json", [], NOW) is None


def test_the_tray_remembers_what_a_start_would_paint_from_the_files(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(GOOD)
    fakes = Fakes()
    controller = tray_on(config, fakes, state_file())
    surface = RecordingSurface()
    controller.surface = surface
    inputs = picture_inputs(config, state_file(), fakes.env().environ)
    memory = memory_path()
    assert not memory.exists()
    act(controller, surface, OpenConsole("side-project", "switch-role"))  # the icon changes: remembered
    controller.workers.shutdown(wait=True)  # every job done, the worker remembering it included
    fakes.clock.now += timedelta(seconds=1)
    assert recall(memory, inputs, fakes.clock.now.timestamp()) == GREEN
    assert oct(memory.stat().st_mode & 0o777) == "0o600"
    ends = controller.where().console_until
    assert ends is not None and json.loads(memory.read_text())["until"] == ends.timestamp()
    assert recall(memory, inputs, ends.timestamp()) is None

    config.write_text(GOOD.replace("[[account]]", "[[acount]]", 1))  # broken: a start shows the mark, badged
    controller.remember_picture()
    assert recall(memory, inputs, fakes.clock.now.timestamp()) == IconSpec(warning=True)
