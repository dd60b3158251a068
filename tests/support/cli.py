"""Types for the ``run_cli`` and ``write_file`` fixtures (tests/unit/conftest.py), and ``run_python``, for any test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

WriteFile = Callable[..., Path]
RunCli = Callable[..., subprocess.CompletedProcess[str]]


def run_python(
    code: str, env: Mapping[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``python -c CODE`` in a fresh interpreter (its imports are its own), stdin closed, output captured."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
        env=dict(os.environ if env is None else env),
    )
