"""Fixtures for tests on a real (virtual) display: see tests/support/desktop.py and TESTING.md.

Every test here must carry ``@pytest.mark.display``. Where Xvfb, trayer, dunst or the other
tools are missing the tests skip, saying what is missing; with ``CI=true`` they fail instead.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.desktop import Desktop, missing_tools

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
        message = f"DISPLAY TESTS NOT RUN: missing {', '.join(missing)} (see TESTING.md, 'Debian packages')"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    desktop = Desktop(artifacts=artifacts)
    try:
        desktop.start()
        yield desktop
    finally:
        desktop.close()
