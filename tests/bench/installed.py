"""trayapp as users install it, for the bench: a wheel of the working tree in a venv of its own.

The project's .venv holds trayapp as an editable install, whose ``__editable__`` finder (a .pth run
at every interpreter start) costs ~12 ms that no user pays: install.sh does ``pip install .`` and
the bundle is PyInstaller's. So the bench builds a wheel of the working tree (no network, no
build isolation: the project venv has setuptools), installs it into a fresh ``--without-pip``
venv, and makes the dependencies importable through a .pth that lists the project venv's
site-packages as a plain path. A plain path is not a site dir: the editable finder's .pth there
is never run, and the installed trayapp, earlier on ``sys.path``, is the one imported.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 120.0


def installed_trayapp(folder: Path, project_python: Path = Path(sys.executable)) -> Path:
    """Install the working tree's trayapp into ``folder``/venv and return its ``trayapp`` command."""
    source, wheels, venv = folder / "source", folder / "wheel", folder / "venv"
    _copy_source(source)
    pip = [str(project_python), "-m", "pip", "--disable-pip-version-check", "-q"]
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(wheels), str(source)])
    built = sorted(wheels.glob("trayapp-*.whl"))
    if len(built) != 1:
        raise RuntimeError(f"expected one trayapp wheel in {wheels}, found {[p.name for p in built]}")
    _run([str(project_python), "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run([*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(built[0])])
    paths = sysconfig.get_paths()  # this process runs in the project venv: its dependencies
    site = Path(sysconfig.get_paths(vars={"base": str(venv), "platbase": str(venv)})["purelib"])
    deps = dict.fromkeys([paths["purelib"], paths["platlib"]])
    (site / "trayapp-bench-dependencies.pth").write_text("".join(f"{path}\n" for path in deps))
    _check(python, venv, folder)
    return venv / "bin" / "trayapp"


def _copy_source(source: Path) -> None:
    """What the wheel is built from, copied: no stale build/ folder, nothing written into the tree."""
    source.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "trayapp", source / "trayapp", ignore=shutil.ignore_patterns("__pycache__"))


def _check(python: Path, venv: Path, cwd: Path) -> None:
    """The venv's python must import the installed trayapp, never the working tree's."""
    done = _run([str(python), "-c", "import trayapp; print(trayapp.__file__)"], cwd=cwd)
    where = Path(done.stdout.strip()).resolve()
    if not where.is_relative_to(venv.resolve()):
        raise RuntimeError(f"the bench venv imports trayapp from {where}, not from its own install in {venv}")


def _run(argv: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_")) and k != "VIRTUAL_ENV"}
    done = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} ... failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done


if __name__ == "__main__":
    print(installed_trayapp(Path(sys.argv[1])))
