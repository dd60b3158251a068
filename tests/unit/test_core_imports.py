"""trayapp.core stays pure: no GUI toolkit, no files created, in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("pystray", "PIL", "pyperclip", "tkinter", "_tkinter", "gi", "winreg")

# Imports every module below trayapp.core one by one and records which one first pulled in
# a forbidden package, so a failure names the culprit.
SCRIPT = f"""
import importlib, json, pkgutil, sys

FORBIDDEN = {FORBIDDEN!r}

def forbidden():
    return sorted({{name.split(".")[0] for name in sys.modules}} & set(FORBIDDEN))

import trayapp.core
names = ["trayapp.core"] + sorted(
    m.name for m in pkgutil.walk_packages(trayapp.core.__path__, "trayapp.core.")
)
culprits = {{}}
for name in names:
    before = set(forbidden())
    importlib.import_module(name)
    new = sorted(set(forbidden()) - before)
    if new:
        culprits[name] = new
print(json.dumps({{"modules": names, "culprits": culprits, "forbidden": forbidden()}}))
"""


def run_fresh(cwd: Path) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded: dict[str, object] = json.loads(result.stdout)
    return loaded


def files_under(path: Path) -> list[Path]:
    return sorted(path.rglob("*"))


def test_core_imports_no_gui_toolkit(tmp_path: Path) -> None:
    found = run_fresh(tmp_path)
    modules = found["modules"]
    assert isinstance(modules, list)
    for expected in ("config", "console", "identifiers", "matching", "awsconfig", "model", "errors"):
        assert f"trayapp.core.{expected}" in modules
    assert found["culprits"] == {}
    assert found["forbidden"] == []


def test_core_import_creates_no_files(isolated_home: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    assert files_under(isolated_home) == []
    run_fresh(workdir)
    assert files_under(isolated_home) == []  # no config, cache or state folders
    assert files_under(workdir) == []
