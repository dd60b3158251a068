"""Start at login: an XDG autostart entry, a macOS LaunchAgent, or a Windows Run key.

Only the user's toggle writes or removes the entry; nothing here runs at import.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from trayapp.core.errors import TrayappError
from trayapp.core.files import atomic_write

LABEL = "io.github.trayapp"


def launch_command() -> list[str]:
    """How to start this same installation's tray, with absolute paths."""
    return [sys.executable, "-m", "trayapp", "tray"]


class Autostart(Protocol):
    def enabled(self) -> bool: ...

    def enable(self) -> None: ...

    def disable(self) -> None: ...


class XdgAutostart:
    """``~/.config/autostart/trayapp.desktop`` (freedesktop.org autostart spec).

    Ours carries :data:`MARKER`; an entry without it (the user's own, or a package's) is never
    overwritten or removed, and :meth:`enabled` still reports it, so the checkbox shows the truth.
    """

    MARKER = "X-trayapp-Managed=true"

    def __init__(self, environ: Mapping[str, str], home: Path | None = None):
        base = environ.get("XDG_CONFIG_HOME") or str((home or Path.home()) / ".config")
        self.path = Path(base) / "autostart" / "trayapp.desktop"

    def _text(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return None

    def enabled(self) -> bool:
        text = self._text()
        if text is None:
            return False
        return "Hidden=true" not in text and "X-GNOME-Autostart-enabled=false" not in text

    def ours(self) -> bool:
        """Whether the entry there (if any) was written by trayapp."""
        text = self._text()
        return text is None or self.MARKER in text.splitlines()

    def _refuse_foreign(self) -> None:
        if not self.ours():
            raise TrayappError(
                f"{self.path} was not written by trayapp, so it is left as it is; "
                "edit or remove it yourself to change start at login"
            )

    def enable(self) -> None:
        self._refuse_foreign()
        command = " ".join(shlex.quote(part) for part in launch_command())
        atomic_write(
            self.path,
            "[Desktop Entry]\n"
            "Type=Application\n"
            "Name=trayapp\n"
            "Comment=AWS accounts in the system tray\n"
            f"Exec={command}\n"
            "Icon=trayapp\n"
            "Terminal=false\n"
            "X-GNOME-Autostart-enabled=true\n"
            f"{self.MARKER}\n",
            mode=0o644,
        )

    def disable(self) -> None:
        self._refuse_foreign()
        self.path.unlink(missing_ok=True)


class LaunchAgent:
    """``~/Library/LaunchAgents/io.github.trayapp.plist``: RunAtLoad, never KeepAlive (Quit must stick)."""

    def __init__(self, home: Path | None = None):
        self.path = (home or Path.home()) / "Library" / "LaunchAgents" / f"{LABEL}.plist"

    def enabled(self) -> bool:
        return self.path.exists()

    def enable(self) -> None:
        import plistlib  # macOS only, and only here: the tray reads the state at start (xml, pyexpat)

        plist = {"Label": LABEL, "ProgramArguments": launch_command(), "RunAtLoad": True, "KeepAlive": False}
        atomic_write(self.path, plistlib.dumps(plist), mode=0o644)

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)


class RunKey:
    """``HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\trayapp``."""

    KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"

    def __init__(self, winreg: Any = None):
        self._module = winreg  # tests pass a fake; Windows gets the real one on first use

    def _winreg(self) -> Any:
        return self._module if self._module is not None else _winreg()

    def enabled(self) -> bool:
        winreg = self._winreg()

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, self.KEY) as key:
                winreg.QueryValueEx(key, "trayapp")
        except OSError:
            return False
        return True

    def enable(self) -> None:
        import subprocess

        winreg = self._winreg()
        # pythonw.exe: started at login without a console window.
        pythonw = Path(sys.executable).with_name("pythonw.exe")
        command = [str(pythonw) if pythonw.exists() else sys.executable, *launch_command()[1:]]
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, self.KEY, 0, winreg.KEY_SET_VALUE) as key:
            winreg.SetValueEx(key, "trayapp", 0, winreg.REG_SZ, subprocess.list2cmdline(command))

    def disable(self) -> None:
        winreg = self._winreg()

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, self.KEY, 0, winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, "trayapp")
        except FileNotFoundError:
            pass


def _winreg() -> Any:
    import importlib

    return importlib.import_module("winreg")


def for_this_platform(environ: Mapping[str, str]) -> Autostart:
    """The autostart mechanism of this OS; ``environ`` places the XDG entry."""
    if sys.platform == "darwin":
        return LaunchAgent()
    if os.name == "nt":
        return RunKey()
    return XdgAutostart(environ)
