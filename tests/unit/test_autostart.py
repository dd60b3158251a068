"""Start at login: the XDG entry, the macOS LaunchAgent and the Windows Run key (through a fake winreg)."""

from __future__ import annotations

import os
import plistlib
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from support.cli import RunCli

from trayapp.core.errors import TrayappError
from trayapp.platforms.autostart import LaunchAgent, RunKey, XdgAutostart


def test_xdg_entry_round_trip(isolated_home: Path) -> None:
    entry = XdgAutostart(os.environ)
    assert entry.path == isolated_home / ".config" / "autostart" / "trayapp.desktop"
    assert not entry.enabled()
    entry.enable()
    assert entry.enabled()
    text = entry.path.read_text()
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert shlex.split(exec_line[len("Exec=") :]) == [sys.executable, "-m", "trayapp", "tray"]
    assert stat.S_IMODE(entry.path.stat().st_mode) == 0o644
    entry.disable()
    assert not entry.enabled() and not entry.path.exists()
    entry.disable()  # twice is fine


def test_an_entry_the_desktop_turned_off_reads_as_disabled(isolated_home: Path) -> None:
    entry = XdgAutostart(os.environ)
    entry.enable()
    entry.path.write_text(entry.path.read_text().replace("X-GNOME-Autostart-enabled=true", "Hidden=true"))
    assert not entry.enabled()


def test_launch_agent_never_keeps_alive(tmp_path: Path) -> None:
    agent = LaunchAgent(home=tmp_path)
    agent.enable()
    plist = plistlib.loads(agent.path.read_bytes())
    assert plist["RunAtLoad"] is True and plist["KeepAlive"] is False
    assert plist["ProgramArguments"][-3:] == ["-m", "trayapp", "tray"]
    agent.disable()
    assert not agent.enabled()


def test_cli_autostart(run_cli: RunCli, isolated_home: Path) -> None:
    assert run_cli("autostart", "status").stdout.strip() == "Start at login: disabled"
    assert run_cli("autostart", "enable").stdout.strip() == "Start at login: enabled"
    assert (isolated_home / ".config" / "autostart" / "trayapp.desktop").exists()
    assert run_cli("autostart", "status").stdout.strip() == "Start at login: enabled"
    assert run_cli("autostart", "disable").stdout.strip() == "Start at login: disabled"


def test_an_entry_trayapp_did_not_write_is_never_overwritten_or_removed(isolated_home: Path) -> None:
    entry = XdgAutostart(os.environ)
    entry.path.parent.mkdir(parents=True)
    theirs = "[Desktop Entry]\nType=Application\nName=My trayapp\nExec=/opt/trayapp/run --flag\n"
    entry.path.write_text(theirs)
    assert entry.enabled()  # the checkbox shows the real state
    assert not entry.ours()
    for change in (entry.enable, entry.disable):
        with pytest.raises(TrayappError) as caught:
            change()
        message = str(caught.value)
        assert message.startswith(f"{entry.path} was not written by trayapp, so it is left as it is")
        assert message.count(".") <= 2 and "\n" not in message  # one sentence (the path holds one dot)
        assert entry.path.read_text() == theirs

    # Ours carries the marker, so trayapp may replace and remove it.
    entry.path.unlink()
    entry.enable()
    assert entry.ours() and XdgAutostart.MARKER in entry.path.read_text().splitlines()
    entry.enable()
    entry.disable()
    assert not entry.path.exists()


def test_cli_autostart_leaves_a_foreign_entry_and_says_so(run_cli: RunCli, isolated_home: Path) -> None:
    path = isolated_home / ".config" / "autostart" / "trayapp.desktop"
    path.parent.mkdir(parents=True)
    path.write_text("[Desktop Entry]\nType=Application\nName=mine\nExec=true\nHidden=true\n")
    assert run_cli("autostart", "status").stdout.strip() == "Start at login: disabled"
    done = run_cli("autostart", "enable")
    assert done.returncode == 1
    assert "was not written by trayapp, so it is left as it is" in done.stderr
    assert "Traceback" not in done.stderr
    assert path.read_text().endswith("Hidden=true\n")


class FakeKey:
    def __enter__(self) -> FakeKey:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class FakeWinreg:
    """The few ``winreg`` calls RunKey makes, over a dict of the Run key's values."""

    HKEY_CURRENT_USER = object()
    KEY_SET_VALUE = 2
    REG_SZ = 1

    def __init__(self) -> None:
        self.values: dict[str, tuple[int, str]] = {}
        self.opened: list[tuple[object, str, int]] = []

    def OpenKey(self, root: object, path: str, reserved: int = 0, access: int = 1) -> FakeKey:
        self.opened.append((root, path, access))
        return FakeKey()

    def QueryValueEx(self, key: FakeKey, name: str) -> tuple[str, int]:
        if name not in self.values:
            raise FileNotFoundError(name)
        kind, value = self.values[name]
        return value, kind

    def SetValueEx(self, key: FakeKey, name: str, reserved: int, kind: int, value: str) -> None:
        self.values[name] = (kind, value)

    def DeleteValue(self, key: FakeKey, name: str) -> None:
        if name not in self.values:
            raise FileNotFoundError(name)
        del self.values[name]


def test_windows_run_key_starts_pythonw_without_a_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = tmp_path / "Python311" / "python.exe"
    python.parent.mkdir()
    python.write_text("")
    (python.parent / "pythonw.exe").write_text("")
    monkeypatch.setattr(sys, "executable", str(python))
    registry = FakeWinreg()
    key = RunKey(winreg=registry)
    assert not key.enabled()
    key.enable()
    assert key.enabled()
    kind, command = registry.values["trayapp"]
    assert kind == FakeWinreg.REG_SZ
    assert command == subprocess.list2cmdline([str(python.parent / "pythonw.exe"), "-m", "trayapp", "tray"])
    assert (FakeWinreg.HKEY_CURRENT_USER, RunKey.KEY, FakeWinreg.KEY_SET_VALUE) in registry.opened
    key.disable()
    assert not key.enabled() and registry.values == {}
    key.disable()  # twice is fine


def test_launch_agent_round_trip_with_this_python(tmp_path: Path) -> None:
    agent = LaunchAgent(home=tmp_path)
    assert agent.path == tmp_path / "Library" / "LaunchAgents" / "io.github.trayapp.plist"
    assert not agent.enabled()
    agent.enable()
    plist = plistlib.loads(agent.path.read_bytes())
    assert plist == {
        "Label": "io.github.trayapp",
        "ProgramArguments": [sys.executable, "-m", "trayapp", "tray"],
        "RunAtLoad": True,
        "KeepAlive": False,
    }
    assert stat.S_IMODE(agent.path.stat().st_mode) == 0o644
    assert agent.enabled()
