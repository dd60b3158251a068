"""Starting the tray where there is no screen: one clear sentence, not a traceback."""

from __future__ import annotations

from support.cli import RunCli


def test_tray_without_a_display_says_what_it_needs(run_cli: RunCli) -> None:
    result = run_cli("tray", env={"DISPLAY": "", "WAYLAND_DISPLAY": "", "PYSTRAY_BACKEND": ""})
    assert result.returncode == 1
    assert result.stderr.startswith("trayapp: cannot show a tray icon here (")
    assert "graphical session" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
