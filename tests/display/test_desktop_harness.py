"""The test desktops themselves, proved with a tiny real pystray app on each."""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from support.desktop import Box, Desktop

pytestmark = pytest.mark.display

REPO = Path(__file__).resolve().parents[2]
GREEN = (0x2E, 0x7D, 0x32)

APP = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import pystray

    from trayapp.tray import images

    marker = Path(sys.argv[1])


    def record(text):
        with marker.open("a") as f:
            f.write(text + "\\n")


    def on_mark(icon, item):
        record("mark")
        icon.notify("Marked by the harness", "trayapp harness")


    def on_quit(icon, item):
        record("quit")
        icon.stop()


    def setup(icon):
        icon.visible = True
        record("ready")


    icon = pystray.Icon(
        "trayapp-harness",
        images.account_icon(64, "2e7d32", "SP"),
        "trayapp harness",
        menu=pystray.Menu(
            pystray.MenuItem("Mark", on_mark, default=True),
            pystray.MenuItem("Quit", on_quit),
        ),
    )
    icon.run(setup)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie left for init to reap is as good as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def test_desktop_starts_and_leaves_nothing_behind(desktop: Desktop) -> None:
    assert desktop.display.startswith(":")
    assert desktop.env["DISPLAY"] == desktop.display
    assert desktop.env["PYSTRAY_BACKEND"] == "gtk"
    assert desktop.tray_box == Box(0, 0, 240, 32)
    assert desktop.tray_icons() == []
    assert desktop.startup_seconds < 10
    with pytest.raises(TimeoutError, match=r"waiting for nothing \(screen saved as .*timeout-1\.png\)"):
        desktop.wait_for(lambda: False, timeout=0.2, message="nothing")
    assert (desktop.artifacts / "timeout-1.png").exists()  # type: ignore[operator]

    # A second desktop beside the fixture's, torn down by an exception inside its block.
    pids: list[int] = []
    with pytest.raises(RuntimeError, match="boom"), Desktop() as other:
        assert other.display != desktop.display
        pids = [proc.pid for _name, proc in other._procs]
        assert len(pids) == 5  # Xvfb, dbus-daemon, dbus-monitor, trayer, dunst
        workdir = other.workdir
        raise RuntimeError("boom")
    assert not [pid for pid in pids if _alive(pid)]
    assert not workdir.exists()
    assert not Path(f"/tmp/.X11-unix/X{other.display[1:]}").exists()
    assert other.teardown_seconds < 5


def test_pystray_app_docks_opens_its_menu_notifies_and_quits(desktop: Desktop, tmp_path: Path) -> None:
    script = tmp_path / "harness_app.py"
    script.write_text(APP)
    marker = tmp_path / "marker"
    app = desktop.spawn([sys.executable, script, marker], name="app", env={"PYTHONPATH": str(REPO)}, cwd=REPO)

    def marks() -> list[str]:
        return marker.read_text().split() if marker.exists() else []

    # Docked: the icon is found in the tray, and shows the account's exact colour.
    icon = desktop.wait_for_tray_icon(app.pid)
    docked = desktop.screenshot("1-docked.png")
    assert desktop.count_color(GREEN, icon, docked) >= 50, desktop.colors(icon, docked)
    assert marks() == ["ready"]

    # Left click runs the default item.
    desktop.click(*icon.center, button=1)
    desktop.wait_for(lambda: marks() == ["ready", "mark"], message="the default item")

    # Right click opens the menu; the keyboard picks its first item.
    desktop.click(*icon.center, button=3)
    menu = desktop.wait_for_menu()
    opened = desktop.screenshot("2-menu.png")
    assert menu.top >= icon.bottom - 2 and menu.left < icon.right
    assert desktop.changed(docked, opened, menu) is not None
    desktop.key("Down", "Return")
    desktop.wait_for(lambda: marks() == ["ready", "mark", "mark"], message="the marker from the menu")
    desktop.wait_for_no_menu()

    # The item's notify() shows as a dunst popup; dunst saw what was sent.
    popup = desktop.wait_for_notification_popup()
    notified = desktop.screenshot("3-notification.png")
    assert desktop.changed(docked, notified, popup) is not None
    assert not popup.contains(desktop.tray_box)
    sent = desktop.sent_notifications()
    assert [(n.summary, n.body) for n in sent] == [("trayapp harness", "Marked by the harness")] * 2
    assert sent[1].replaces_id != 0  # pystray reuses its notification, so dunst keeps only the last
    shown = desktop.dunst_history()
    assert [(n["summary"], n["body"]) for n in shown] == [("trayapp harness", "Marked by the harness")]
    desktop.wait_for(lambda: not desktop.notification_popups(), message="the popups to close")

    # Quit, clicked with the mouse: the process exits 0 (dunst is there for stop()).
    desktop.click(*icon.center, button=3)
    menu = desktop.wait_for_menu()
    desktop.click(menu.center[0], menu.top + menu.height * 3 // 4)
    assert app.wait(timeout=10) == 0, desktop.log("app")
    assert marks() == ["ready", "mark", "mark", "quit"]
    gone = desktop.wait_for(lambda: not desktop.tray_icons(), message="the icon to leave the tray")
    desktop.screenshot("4-quit.png")
    assert gone


@pytest.mark.parametrize("kind", ["xfce", "sway"])
def test_status_notifier_desktops_dock_the_app_and_leave_nothing_behind(
    kind: str, desktop_of: Callable[..., Desktop], tmp_path: Path
) -> None:
    """The pystray app docks through StatusNotifierItem (the host draws it), its menu opens, and close() stops all."""
    desktop = desktop_of(kind)
    assert "PYSTRAY_BACKEND" not in desktop.env
    folder = desktop.home_for(tmp_path)  # on sway: a folder its user can reach
    script = folder / "harness_app.py"
    script.write_text(APP)
    marker = folder / "marker"
    desktop.hand_over(folder)
    app = desktop.spawn(
        [desktop.python, script, marker], name="app", env={"PYTHONPATH": str(REPO), "PYSTRAY_BACKEND": "appindicator"}
    )
    icon = desktop.wait_for_tray_icon(app.pid, timeout=15)
    assert app.pid in desktop.status_notifier_pids()
    assert desktop.count_color(GREEN, icon) >= 50, desktop.colors(icon)
    desktop.screenshot("1-docked.png")
    desktop.click(*icon.center, button=3)
    desktop.select_menu_path([0])
    desktop.screenshot("2-menu.png")
    desktop.activate_selected()
    desktop.wait_for(lambda: marker.exists() and marker.read_text().split() == ["ready", "mark"], message="Mark")
    assert desktop.wait_for(lambda: [n for n in desktop.sent_notifications() if n.body == "Marked by the harness"])

    pids = [proc.pid for _name, proc in desktop._procs]
    workdir = desktop.workdir
    desktop.close()
    assert not [pid for pid in pids if _alive(pid)]
    assert not workdir.exists()
