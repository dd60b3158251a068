"""The real AWS CLI (v1, from PyPI) in its own venv, so its pinned botocore never meets ours.

The venv lives at ``<repo>/.venv-awscli`` (override with ``TRAYAPP_AWSCLI_VENV``). It is
created on first use under a file lock, and marked complete only after ``aws --version``
ran, so an interrupted creation is redone rather than trusted. A venv made by hand or by
``tests/run.sh`` is adopted if its ``aws --version`` runs. ``python tests/support/awscli.py``
creates it up front and prints the path of ``aws``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from filelock import FileLock

REPO = Path(__file__).resolve().parents[2]
READY_MARKER = ".trayapp-awscli-ready"
# Environment variables passed through from the calling process (besides AWS_* and TRAYAPP_*).
_PASSTHROUGH = (
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "TZ",
    "SYSTEMROOT",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "XDG_STATE_HOME",
    "XDG_DATA_HOME",
)


def awscli_venv() -> Path:
    """Where the AWS CLI venv lives."""
    return Path(os.environ.get("TRAYAPP_AWSCLI_VENV") or REPO / ".venv-awscli")


def _bin_dir(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def _lock_path(venv: Path) -> str:
    """A lock file outside the repository (nothing to ignore in git), one per venv path."""
    digest = hashlib.sha256(str(venv.resolve()).encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"trayapp-awscli-{digest}.lock")


def _aws_exe(venv: Path) -> Path:
    return _bin_dir(venv) / ("aws.cmd" if os.name == "nt" else "aws")


def _build_env() -> dict[str, str]:
    """Environment for building the venv: none of our venv's Python settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTHON") and k not in ("VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV")
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _version(exe: Path, venv: Path) -> str | None:
    """``aws --version`` output, or None if the executable does not run."""
    try:
        done = subprocess.run(
            [str(exe), "--version"], env=_clean_env(None, venv), capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (done.stdout or done.stderr).strip() if done.returncode == 0 else None


def aws_cli(timeout: float = 900) -> Path:
    """Path of the ``aws`` executable, creating its venv (``pip install awscli``) on first use.

    A venv made by someone else (``tests/run.sh``) is accepted once ``aws --version`` runs from it.
    """
    venv = awscli_venv()
    exe = _aws_exe(venv)
    if (venv / READY_MARKER).is_file() and exe.exists():
        return exe
    venv.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(_lock_path(venv), timeout=timeout):
        if (venv / READY_MARKER).is_file() and exe.exists():
            return exe  # another process built it while we waited
        version = _version(exe, venv) if exe.exists() else None
        if version is None:
            if venv.exists():
                shutil.rmtree(venv)  # a half-built venv from an interrupted run
            env = _build_env()
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env, timeout=300)
            python = _bin_dir(venv) / ("python.exe" if os.name == "nt" else "python")
            subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", "awscli"],
                check=True,
                env=env,
                timeout=timeout,
            )
            version = _version(exe, venv)
            if version is None:
                raise RuntimeError(f"{exe} --version failed after pip install awscli")
        (venv / READY_MARKER).write_text(version + "\n")
    return exe


def _clean_env(env: Mapping[str, str | None] | None, venv: Path) -> dict[str, str]:
    base: dict[str, str] = {}
    for key, value in os.environ.items():
        if key in _PASSTHROUGH or key.startswith(("AWS_", "TRAYAPP_")):
            base[key] = value
    our_bin = str(Path(sys.executable).parent)
    path = [p for p in os.environ.get("PATH", os.defpath).split(os.pathsep) if p and p != our_bin]
    base["PATH"] = os.pathsep.join([str(_bin_dir(venv)), *path])
    base.setdefault("LANG", "C.UTF-8")
    base["AWS_EC2_METADATA_DISABLED"] = "true"  # no network here: never wait for IMDS
    base["AWS_PAGER"] = ""
    for key, override in (env or {}).items():
        if override is None:
            base.pop(key, None)
        else:
            base[key] = override
    return base


def run_aws(
    args: Sequence[str],
    env: Mapping[str, str | None] | None = None,
    *,
    timeout: float = 60,
    input: str | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``aws ARGS`` with a clean environment and capture its text output (never raises on exit status).

    The environment holds only HOME, locale, TMPDIR, XDG_* and every ``AWS_*``/``TRAYAPP_*``
    variable of this process (which tests/conftest.py isolates per test), PATH with the AWS
    CLI venv first and our own venv's bin removed, ``AWS_EC2_METADATA_DISABLED=true``, and
    then ``env`` on top (a value of ``None`` removes the variable). No PYTHON* variable and
    no VIRTUAL_ENV reach it.
    """
    exe = aws_cli()
    return subprocess.run(
        [str(exe), *args],
        env=_clean_env(env, awscli_venv()),
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input,
        cwd=cwd,
        check=False,
    )


if __name__ == "__main__":
    print(aws_cli())
