"""Fixtures for the packaging layer: the PyInstaller bundle, built once and cached between runs.

The bundle is built by ``packaging/build_bundle.py`` into pytest's cache folder
(``.pytest_cache/d/packaging/``), not into ``dist/``, so a developer's own build is left alone.
It is rebuilt only when what goes into it changed: the files under ``trayapp/``, the spec, the
entry script, the build script, the Python version or any installed distribution's version (a
fingerprint of all of them is kept next to the bundle). The build takes about 40 s here; a cached
bundle costs nothing. The summary at the end of the run says which it was.

Where PyInstaller is missing the tests skip, saying so; with ``CI=true`` they fail instead.
The ``desktop`` and ``artifacts`` fixtures are the display layer's (tests/display/conftest.py).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from display.conftest import artifacts, desktop  # noqa: F401  (fixtures, used by test_bundle.py)
from support.layers import missing_layer

REPO = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO / "packaging" / "build_bundle.py"
INPUTS = (REPO / "trayapp", REPO / "packaging" / "pyinstaller", BUILD_SCRIPT)
BUILD_TIMEOUT = 900  # seconds; about 40 s on a 2-core machine


@dataclass(frozen=True)
class Build:
    """How this run got its bundle, for the summary at the end."""

    program: Path
    seconds: float | None  # None: reused from an earlier run


def fingerprint() -> str:
    """A hash of everything the bundle is made from (sources, spec, Python, installed versions)."""
    digest = hashlib.sha256()
    for root in INPUTS:
        files = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(sys.version.encode())
    versions = sorted(f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions())
    digest.update("\n".join(versions).encode())
    return digest.hexdigest()


@pytest.fixture(scope="session")
def bundle(request: pytest.FixtureRequest) -> Path:
    """The bundle's program (``.../trayapp/trayapp``, next to its ``_internal/``).

    Built on first use in a run, or reused when nothing it is made from changed.
    """
    if importlib.util.find_spec("PyInstaller") is None:
        missing_layer("PyInstaller is not installed (pip install -e '.[package]')")
    # Kept between runs beside pytest's own cache (works with -p no:cacheprovider too).
    folder = request.config.rootpath / ".pytest_cache" / "d" / "packaging"
    folder.mkdir(parents=True, exist_ok=True)
    dist, work, stamp = folder / "dist", folder / "build", folder / "fingerprint"
    program = dist / "trayapp" / "trayapp"
    wanted = fingerprint()
    if program.exists() and stamp.exists() and stamp.read_text() == wanted:
        made = Build(program, None)
    else:
        stamp.unlink(missing_ok=True)
        shutil.rmtree(dist, ignore_errors=True)
        log = folder / "build.log"
        began = time.monotonic()
        with open(log, "wb") as out:
            done = subprocess.run(
                [sys.executable, str(BUILD_SCRIPT), "--dist", str(dist), "--work", str(work)],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=REPO,
                # PyInstaller's own cache (stripped binaries and such) kept with the bundle, out of HOME.
                env={**os.environ, "PYINSTALLER_CONFIG_DIR": str(folder / "pyinstaller-cache")},
                timeout=BUILD_TIMEOUT,
                check=False,
            )
        seconds = time.monotonic() - began
        if done.returncode != 0 or not program.exists():
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
            pytest.fail(f"the PyInstaller build failed (exit {done.returncode}); full log: {log}\n{tail}")
        stamp.write_text(wanted)
        made = Build(program, seconds)
    request.config.stash[BUILD_KEY] = made
    return program


BUILD_KEY = pytest.StashKey[Build]()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    made = config.stash.get(BUILD_KEY, None)
    if made is None:
        return
    how = (
        f"built in {made.seconds:.1f} s"
        if made.seconds is not None
        else "reused (nothing it is made from changed)"
    )
    terminalreporter.write_line(f"packaging: bundle {how}: {made.program}")
