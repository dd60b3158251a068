"""Types for the ``run_cli`` and ``write_file`` fixtures (tests/unit/conftest.py), importable from any test."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

WriteFile = Callable[..., Path]
RunCli = Callable[..., subprocess.CompletedProcess[str]]
