"""The three test desktops by name, and what the Wayland one needs: a user of its own and a Python it can run.

    with open_desktop("sway", artifacts=folder) as desktop:   # or "trayer", "xfce"
        ...

- ``trayer``: Xvfb + trayer (XEmbed) + dunst (:class:`support.desktop.Desktop`);
- ``xfce``: Xvfb + xfce4-panel 4.18, whose systray hosts StatusNotifierItems + dunst (:mod:`support.xfce`);
- ``sway``: headless sway + waybar's tray (StatusNotifierItem) + mako + wl-clipboard (:mod:`support.wayland`).

Each has the same interface for what the display tests do: spawn, wait_for_tray_icon, click,
select_menu_path / activate_selected / dismiss_menus, menus, screenshot, count_color, clipboard,
sent_notifications. :attr:`python`, :meth:`command`, :meth:`home_for` and :meth:`hand_over` let a test
run the app as the desktop's user (on sway, not root).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pwd
import re
import shutil
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

from support.desktop import Desktop

KINDS = ("trayer", "xfce", "sway")
USER = "trayapp-test"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's: a pyenv or venv Python under /root is out of the user's reach
PYTHON_CACHE = Path(os.environ.get("TRAYAPP_TEST_PYTHON_CACHE", "/opt/trayapp-test-python"))
REPO = Path(__file__).resolve().parents[2]


def open_desktop(kind: str, *, artifacts: Path | None = None, backend: str | None = None) -> Desktop:
    """A desktop of this kind, not yet started (``with`` starts it). ``backend``: PYSTRAY_BACKEND, None for unset."""
    if kind == "trayer":
        return Desktop(artifacts=artifacts, backend=backend)
    if kind == "xfce":
        from support.xfce import XfceDesktop

        return XfceDesktop(artifacts=artifacts, backend=backend)
    if kind == "sway":
        from support.wayland import SwayDesktop

        return SwayDesktop(artifacts=artifacts, backend=backend)
    raise ValueError(f"no test desktop called {kind!r}; choose from {', '.join(KINDS)}")


def missing(kind: str) -> list[str]:
    """What this machine lacks for a desktop of this kind (empty when it can run one)."""
    from support import desktop, wayland, xfce

    found = desktop.missing_tools() if kind in ("trayer", "xfce") else wayland.missing_tools()
    if kind == "xfce":
        found += xfce.missing_tools()
    if kind == "sway":
        found += [tool for tool in ("setpriv", SYSTEM_PYTHON) if shutil.which(tool) is None]
        if os.geteuid() == 0 and shutil.which("useradd") is None:
            found.append("useradd")
    elif importlib.util.find_spec("gi") is None:
        found.append("PyGObject (gi) in this Python")
    return found


# --- the Wayland desktop's user and Python -----------------------------------------------------


def desktop_user() -> str:
    """Who runs the Wayland desktop: this user, or (as root, which sway refuses) ``trayapp-test``, created once."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    try:
        pwd.getpwnam(USER)
    except KeyError:
        done = subprocess.run(
            ["useradd", "--create-home", "--shell", "/usr/sbin/nologin", USER],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0 and "already exists" not in done.stderr:  # another test run made it meanwhile
            raise RuntimeError(f"useradd {USER} failed: {done.stderr.strip()}") from None
    return USER


def user_home(user: str) -> str:
    return pwd.getpwnam(user).pw_dir


def give_to_user(path: Path, user: str, *, recursive: bool = False) -> None:
    """chown ``path`` (and, ``recursive``, all below it) to ``user`` when we are root."""
    if os.geteuid() != 0:
        return
    entry = pwd.getpwnam(user)
    paths = [path, *(path.rglob("*") if recursive else [])]
    for item in paths:
        os.chown(item, entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def user_python() -> Path:
    """A Python any user can run, with trayapp's dependencies and this checkout on its path; built once, cached.

    A venv of Debian's python3 with its system packages (PyGObject comes from python3-gi, no build),
    under :data:`PYTHON_CACHE`, keyed by this checkout's path, its dependencies and the Python's version.
    About 30 s the first time.
    """
    from filelock import FileLock

    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    deps = [d for d in project["project"]["dependencies"] if not d.lower().startswith("pygobject")]
    version = subprocess.run([SYSTEM_PYTHON, "--version"], capture_output=True, text=True, check=True).stdout
    key = hashlib.sha256("\n".join([str(REPO), version, *deps]).encode()).hexdigest()[:16]
    venv = PYTHON_CACHE / key
    python = venv / "bin" / "python"
    if python.exists():
        return python
    PYTHON_CACHE.mkdir(parents=True, exist_ok=True)
    PYTHON_CACHE.chmod(0o755)
    with FileLock(str(PYTHON_CACHE / f"{key}.lock")):
        if python.exists():
            return python
        building = PYTHON_CACHE / f"{key}.building"
        shutil.rmtree(building, ignore_errors=True)
        subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", str(building)], check=True)
        subprocess.run(
            [str(building / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", *deps],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        site = next((building / "lib").glob("python3*/site-packages"))
        (site / "trayapp-checkout.pth").write_text(f"{REPO}\n")  # trayapp itself: this checkout, as installed
        for folder, _dirs, files in os.walk(building):
            os.chmod(folder, 0o755)  # noqa: S103  (the desktop user runs this Python)
            for name in files:
                file = Path(folder) / name
                if not file.is_symlink():
                    file.chmod(file.stat().st_mode | 0o444)
        # The venv's scripts name the folder they were built in; only its python is used, by full path.
        os.replace(building, venv)
    return python


# --- StatusNotifierItem ------------------------------------------------------------------------


def status_notifier_pids(run: Callable[..., str]) -> list[int]:
    """The PIDs of the processes whose StatusNotifierItems the watcher on this bus has registered."""
    out = run(
        ["dbus-send", "--session", "--print-reply", "--dest=org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher",
         "org.freedesktop.DBus.Properties.Get", "string:org.kde.StatusNotifierWatcher",
         "string:RegisteredStatusNotifierItems"],
        check=False,
    )  # fmt: skip
    pids = []
    for owner in dict.fromkeys(re.findall(r'string "(:[0-9.]+)', out)):
        reply = run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
             "org.freedesktop.DBus.GetConnectionUnixProcessID", f"string:{owner}"],
            check=False,
        )  # fmt: skip
        match = re.search(r"uint32 (\d+)", reply)
        if match:
            pids.append(int(match.group(1)))
    return pids
