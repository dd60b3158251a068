"""The icon's first picture, remembered from the last run, so a tray start shows it before the engine loads.

What the icon shows follows from a few files and the clock: trayapp's config, the AWS config and
credentials files (role profiles), and ``state.json``. The tray remembers the picture a start would
paint, with the identity of each of those files (size, mtime, inode) and the moment the picture stops
being true by itself (the console's or a terminal credential's end). A start whose files are all as
they were, before that moment, paints the picture at once and loads everything else behind the icon;
any other start loads first and paints after, as always. The memory holds no secret: a colour, a
display name and two flags.

Only the standard library's json and os: this module runs before anything else of the tray.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

FORMAT = 1


class IconSpec(NamedTuple):
    """What the icon shows: the console's account (colour, initials) or the neutral mark, and badges."""

    color: str | None = None
    label: str | None = None
    busy: bool = False
    warning: bool = False  # a config problem is waiting in the menu
    terminal: bool = False  # terminal credentials are live (never changes the colour)


FileMark = list[Any]  # [path, size, mtime_ns, inode], or [path] for a file that is not there


def file_marks(paths: Sequence[Path]) -> list[FileMark]:
    """The identity of each file now: what must not have changed for a remembered picture to hold."""
    marks: list[FileMark] = []
    for path in paths:
        try:
            found = os.stat(path)
        except OSError:
            marks.append([str(path)])
            continue
        marks.append([str(path), found.st_size, found.st_mtime_ns, found.st_ino])
    return marks


def recall(memory: Path, inputs: Sequence[Path], now: float) -> IconSpec | None:
    """The remembered picture when it still holds at ``now`` (POSIX seconds); None on any doubt."""
    try:
        data = json.loads(memory.read_bytes())
        if data["format"] != FORMAT or data["files"] != file_marks(inputs):
            return None
        until = data["until"]
        if until is not None and not now < float(until):
            return None
        color, label, warning, terminal = (
            data["spec"][key] for key in ("color", "label", "warning", "terminal")
        )
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if not (_text(color) and _text(label) and isinstance(warning, bool) and isinstance(terminal, bool)):
        return None
    return IconSpec(color=color, label=label, warning=warning, terminal=terminal)


def _text(value: object) -> bool:
    return value is None or (isinstance(value, str) and len(value) <= 200)


def memory_text(marks: list[FileMark], spec: IconSpec, until: float | None) -> str:
    """The memory file's content: the picture a start would paint, the files it came from, its end."""
    picture = {"color": spec.color, "label": spec.label, "warning": spec.warning, "terminal": spec.terminal}
    return json.dumps({"format": FORMAT, "files": marks, "until": until, "spec": picture}, indent=1)


def memory_path() -> Path:
    """``<user cache dir>/trayapp/first-paint.json``."""
    from trayapp.core.places import cache_dir

    return cache_dir() / "first-paint.json"


def picture_inputs(config: Path, state: Path, environ: Mapping[str, str]) -> list[Path]:
    """The files the picture follows from: trayapp's config, the AWS config and credentials, the state."""
    from trayapp.core.places import aws_config_path, aws_credentials_path

    return [config, aws_config_path(environ), aws_credentials_path(environ), state]
