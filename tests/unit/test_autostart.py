"""Start at login: the XDG autostart entry written, read back and removed; the CLI around it."""

from __future__ import annotations

import plistlib
import shlex
import stat
import sys
from pathlib import Path

from support.cli import RunCli

from trayapp.platforms.autostart import LaunchAgent, XdgAutostart


def test_xdg_entry_round_trip(isolated_home: Path) -> None:
    entry = XdgAutostart()
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
    entry = XdgAutostart()
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
