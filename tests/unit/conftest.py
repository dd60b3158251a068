"""Helpers for the unit tests: write config files, run the real command line in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from support.cli import RunCli, WriteFile


@pytest.fixture
def write_file(tmp_path: Path) -> WriteFile:
    """Write dedented text (or raw bytes) to a file under tmp_path and return its path."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_cli() -> RunCli:
    """Run ``python -m trayapp ARGS`` with the isolated HOME, XDG and AWS variables of this test."""

    def run(
        *args: str, env: dict[str, str] | None = None, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        environ = {**os.environ, **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", "trayapp", *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=environ,
            timeout=timeout,
            check=False,
        )

    return run
