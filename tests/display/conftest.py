"""Fixtures for tests on a real (virtual) display: see tests/support/desktops.py and TESTING.md.

Every test here must carry ``@pytest.mark.display``. Where Xvfb, trayer, dunst or the other
tools are missing the tests skip, saying what is missing; with ``CI=true`` they fail instead.

- ``desktop``: trayer (XEmbed) on Xvfb, with ``PYSTRAY_BACKEND=gtk``;
- ``desktop_of``: a function giving a started desktop of a named kind (``"trayer"``, ``"xfce"``,
  ``"sway"``), closed after the test;
- ``any_desktop``: the test runs once on each kind, with no ``PYSTRAY_BACKEND`` (the app chooses).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.desktop import Desktop, missing_tools
from support.desktops import KINDS, missing, open_desktop
from support.layers import missing_layer

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _missing() -> list[str]:
    missing = missing_tools()
    if importlib.util.find_spec("gi") is None:
        missing.append("PyGObject (gi) in this Python")
    return missing


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """``tests/artifacts/<test name>/``, emptied of earlier screenshots, for what a test wants to keep."""
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    folder = ARTIFACTS / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.is_file():
            old.unlink()
    return folder


@pytest.fixture
def desktop(artifacts: Path) -> Iterator[Desktop]:
    """A fresh desktop (Xvfb, D-Bus, trayer, dunst) for one test, torn down by PID afterwards.

    Starts in about 0.3 s and stops in about 0.05 s here, so each test gets its own.
    """
    missing = _missing()
    if missing:
        _unavailable(", ".join(missing))
    desktop = Desktop(artifacts=artifacts)
    try:
        desktop.start()
        yield desktop
    finally:
        desktop.close()


def _unavailable(what: str) -> None:
    missing_layer(f"DISPLAY TESTS NOT RUN: missing {what} (see TESTING.md, 'Debian packages')")


@pytest.fixture
def desktop_of(artifacts: Path) -> Iterator[Callable[..., Desktop]]:
    """``desktop_of("sway", backend=None)``: a started desktop of that kind, torn down by PID after the test."""
    opened: list[Desktop] = []

    def make(kind: str = "trayer", backend: str | None = None) -> Desktop:
        lacking = missing(kind)
        if lacking:
            _unavailable(f"{', '.join(lacking)} for the {kind} desktop")
        made = open_desktop(kind, artifacts=artifacts, backend=backend)
        opened.append(made)
        made.start()
        return made

    try:
        yield make
    finally:
        for made in reversed(opened):
            made.close()


@pytest.fixture(params=KINDS)
def any_desktop(request: pytest.FixtureRequest, desktop_of: Callable[..., Desktop]) -> Desktop:
    """The test runs on each tray host in turn: trayer (XEmbed), xfce4-panel (SNI on X11), sway + waybar (SNI on Wayland)."""
    made: Desktop = desktop_of(request.param)
    return made
