"""The quick switcher on a real display: typed into with xdotool, read back from screenshots.

``trayapp switch`` runs on a test desktop (Xvfb, D-Bus, trayer, dunst) with STS on moto; the
browser is a recording script at ``$BROWSER`` and the clipboard is read with xclip. The tray's
menu swatches are sampled from a screenshot too.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from support.dbusmenu import menu_layout
from support.desktop import Box, Desktop
from support.servers import FederationStub, MotoServer

from trayapp.switcher.window import WIDTH

sys.path.insert(0, str(Path(__file__).parent))
from test_tray import ACCOUNT_ID, Tray, clear_later_pids, exports

pytestmark = pytest.mark.display

TEAL = "00897b"  # no emoji circle has this colour
EXTRA = """
[[account]]
name = "teal-ops"
display_name = "Teal ops"
account_id = "123412341234"
role_name = "operator"
color = "#00897b"
group = "Work"

[[account]]
name = "analytics"
display_name = "Аналитика"
account_id = "555566667777"
role_name = "reader"
color = "#6a1b9a"
"""


@pytest.fixture
def tray(desktop: Desktop, isolated_home: Path, moto: MotoServer) -> Iterator[Tray]:
    made = Tray(desktop, isolated_home, moto.url, clear_seconds=120)
    made.config_path.write_text(made.config_path.read_text() + EXTRA)
    try:
        yield made
    finally:
        for pid in clear_later_pids(isolated_home):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def switcher_window(desktop: Desktop) -> Box | None:
    windows = desktop.windows_named("^trayapp: switch account$")
    return desktop.window_geometry(windows[0]) if windows else None


def rows(desktop: Desktop, window: Box) -> list[tuple[int, int, int]]:
    """The colour in the middle of each row's swatch, top to bottom, from a fresh screenshot.

    Swatches are discs 18 px across in one column of the list; anything else in that column (the
    query box's border and text, the footer's text) is not a swatch.
    """
    shot = desktop.grab()
    x = window.left + 21
    blank = ((255, 255, 255), (0xDB, 0xE9, 0xFF))  # the background and the selected row
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for y in range(window.top, window.bottom + 1):
        inked = y < window.bottom and desktop.pixel(x, y, shot) not in blank
        if inked and start is None:
            start = y
        elif not inked and start is not None:
            runs.append((start, y))
            start = None
    found = []
    for a, b in runs:
        middle = (a + b) // 2
        colour = desktop.pixel(x, middle, shot)
        # A disc: as wide as high, one colour across its middle (a typed "4" in the query box is not).
        if 14 <= b - a <= 22 and desktop.pixel(x - 6, middle, shot) == colour == desktop.pixel(
            x + 6, middle, shot
        ):
            found.append(colour)
    return found


def near(rgb: tuple[int, int, int], hex6: str, tolerance: int = 8) -> bool:
    want = (int(hex6[0:2], 16), int(hex6[2:4], 16), int(hex6[4:6], 16))
    return all(abs(a - b) <= tolerance for a, b in zip(rgb, want, strict=True))


def start_switch(tray: Tray, *args: str) -> tuple[subprocess.Popen[bytes], Box]:
    proc = tray.desktop.spawn(
        [sys.executable, "-m", "trayapp", "switch", "--debug", *args], name="switch", env=tray.env
    )
    try:
        window = tray.desktop.wait_for(
            lambda: switcher_window(tray.desktop), timeout=15, message="the switcher"
        )
    except TimeoutError as exc:
        raise AssertionError(f"{exc}\nswitch log:\n{tray.desktop.log('switch')}") from None
    return proc, window


def test_typing_filters_rows_and_enter_opens_the_console_in_the_default_mode(tray: Tray) -> None:
    desktop = tray.desktop
    expected = tray.cli("url", "teal-ops")
    assert expected.returncode == 0, expected.stderr
    proc, window = start_switch(tray)
    assert window.width >= WIDTH
    # Empty query: every account, alphabetical (no recents yet): 5 rows of swatches.
    desktop.wait_for(lambda: len(rows(desktop, window)) == 5, message="five rows")
    desktop.screenshot("1-empty-query.png")

    desktop.type_text("teal")
    desktop.wait_for(lambda: len(rows(desktop, window)) == 1, message="one row for 'teal'")
    desktop.screenshot("2-teal.png")
    (swatch,) = rows(desktop, window)
    assert near(swatch, TEAL), swatch

    desktop.key("Return")
    assert proc.wait(timeout=20) == 0, desktop.log("switch")
    desktop.wait_for(tray.urls, message="the URL at $BROWSER")
    assert tray.urls() == [expected.stdout.strip()]
    assert tray.state()["console"]["account"] == "teal-ops"  # type: ignore[index]


def test_fuzzy_query_and_ctrl_c_copies_credentials_without_opening_a_browser(tray: Tray) -> None:
    desktop = tray.desktop
    proc, window = start_switch(tray)
    desktop.wait_for(lambda: len(rows(desktop, window)) == 5, message="five rows")
    desktop.type_text("sdprj")  # fuzzy for "Side project"
    desktop.wait_for(lambda: len(rows(desktop, window)) == 1, message="one row for 'sdprj'")
    assert near(rows(desktop, window)[0], "2e7d32")
    desktop.key("ctrl+c")
    assert proc.wait(timeout=30) == 0, desktop.log("switch")
    found = desktop.wait_for(lambda: exports(desktop.clipboard()), message="credentials on the clipboard")
    assert found["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert tray.urls() == []
    state = tray.state()
    assert state["console"] is None  # terminal credentials never move the console
    assert [t[0] for t in state["terminal"]] == ["side-project"]  # type: ignore[union-attr]
    log = desktop.log("switch")
    assert found["AWS_SECRET_ACCESS_KEY"] not in log and found["AWS_SESSION_TOKEN"] not in log


def test_shift_enter_opens_the_other_mode_and_escape_closes(tray: Tray) -> None:
    federation = FederationStub().start()
    try:
        tray.env["TRAYAPP_SIGNIN_ENDPOINT"] = federation.url
        shift_enter_then_escape(tray, federation)
    finally:
        federation.stop()


def shift_enter_then_escape(tray: Tray, federation: FederationStub) -> None:
    desktop = tray.desktop
    proc, window = start_switch(tray)
    desktop.type_text(ACCOUNT_ID[:8])  # Side project, by account id
    desktop.wait_for(lambda: len(rows(desktop, window)) == 1, message="one row for the account id")
    desktop.key("shift+Return")
    desktop.wait_for(tray.urls, timeout=20, message="the signed URL's redirect at $BROWSER")
    assert tray.urls()[0].startswith("http://127.0.0.1:"), tray.urls()  # signed: a one-time local redirect
    with urllib.request.urlopen(tray.urls()[0], timeout=10) as page:  # what the browser would do
        assert page.status == 200 and page.url.startswith(federation.url)
    assert proc.wait(timeout=30) == 0, desktop.log("switch")
    assert len(federation.token_requests()) == 1  # the other mode than the default (switch-role)

    proc, window = start_switch(tray)
    desktop.key("Escape")
    assert proc.wait(timeout=10) == 0
    assert len(tray.urls()) == 1


def test_the_tray_shows_its_switcher_from_the_menu_the_icon_and_trayapp_switch(tray: Tray) -> None:
    desktop = tray.desktop
    tray.start()
    # A left click on the icon: the menu's default item, "Switch account…".
    desktop.click(*tray.icon.center, button=1)
    window = desktop.wait_for(lambda: switcher_window(desktop), message="the tray's switcher")
    desktop.wait_for(lambda: len(rows(desktop, window)) == 5, message="five rows")
    desktop.key("Escape")
    desktop.wait_for(lambda: switcher_window(desktop) is None, message="the switcher to hide")

    # The menu's first item does the same.
    tray.choose("Switch account…")
    desktop.wait_for(lambda: switcher_window(desktop), message="the switcher from the menu")
    desktop.key("Escape")
    desktop.wait_for(lambda: switcher_window(desktop) is None, message="the switcher to hide again")

    # Like a launcher, it goes away when the keyboard goes elsewhere (here: to the root window).
    assert tray.cli("switch").returncode == 0
    desktop.wait_for(lambda: switcher_window(desktop), message="the switcher before focusing elsewhere")
    root = re.search(r"Window id: (0x[0-9a-f]+)", desktop.run(["xwininfo", "-root"]))
    assert root
    desktop.run(["xdotool", "windowfocus", root.group(1)])
    desktop.wait_for(lambda: switcher_window(desktop) is None, message="the switcher to hide on focus out")

    # `trayapp switch` while the tray runs: the tray's own window comes forward; the command exits at once.
    began = time.monotonic()
    asked = tray.cli("switch")
    assert asked.returncode == 0, asked.stderr
    assert time.monotonic() - began < 10
    window = desktop.wait_for(lambda: switcher_window(desktop), message="the switcher again")
    assert len(desktop.windows_named("^trayapp: switch account$")) == 1
    desktop.type_text("staging")
    desktop.wait_for(lambda: len(rows(desktop, window)) == 1, message="one row for 'staging'")
    desktop.key("Return")
    desktop.wait_for(tray.urls, message="Staging's URL at $BROWSER")
    assert "account=777788880000" in tray.urls()[0]
    tray.wait_icon("1565c0")

    # Recent first on an empty query: Staging now leads (alphabetically it would be third).
    assert tray.cli("switch").returncode == 0
    window = desktop.wait_for(lambda: switcher_window(desktop), message="the switcher once more")
    listed = desktop.wait_for(lambda: len(found := rows(desktop, window)) == 5 and found, message="five rows")
    assert near(listed[0], "1565c0"), listed
    desktop.key("Escape")
    assert tray.alive()


def test_menu_items_show_the_accounts_exact_colour(tray: Tray) -> None:
    desktop = tray.desktop
    tray.start()
    tray.walk("Work", "🟢 Teal ops")  # the model's label keeps the emoji; the menu shows an image
    shot = desktop.screenshot("menu-swatches.png")
    submenu = desktop.menus()[1]
    teal = desktop.count_color(TEAL, submenu, shot)
    assert teal >= 40, desktop.colors(submenu, shot)  # a 16 px disc: ~100 px of the exact colour
    top = desktop.menus()[0]
    assert desktop.count_color("6a1b9a", top, shot) >= 40  # Аналитика: its own purple, ungrouped
    tray.close_menu()


def dbusmenu_icon(desktop: Desktop, pid: int, label: str) -> Image.Image:
    """The icon data the tray's AppIndicator sends over D-Bus (com.canonical.dbusmenu) for one item.

    The icon shows first, with a "starting" line; the accounts' menu follows as soon as the tray behind
    it has loaded: wait for it.
    """
    key = f"'label': <'{label}'>"

    def with_label() -> str | None:
        found = menu_layout(desktop, pid)
        return found if key in found else None

    layout: str = desktop.wait_for(with_label, message=f"{label} in the menu")
    at = layout.index(key)
    item = layout[layout.rindex("<(", 0, at) : at]
    data = re.search(r"'icon-data': <\[byte ([^\]]*)\]>", item)
    assert data, item
    return Image.open(io.BytesIO(bytes(int(b, 16) for b in data.group(1).split(", "))))


def test_appindicator_menus_carry_the_exact_colour_too(tray: Tray) -> None:
    """AppIndicator sends the Gtk menu over D-Bus to SNI hosts (icon data included); without one, GTK shows it."""
    desktop = tray.desktop
    tray.env["PYSTRAY_BACKEND"] = "appindicator"
    proc = tray.start()
    sent = dbusmenu_icon(desktop, proc.pid, "Teal ops").convert("RGBA")
    assert sent.getpixel((sent.width // 2, sent.height // 2)) == (0x00, 0x89, 0x7B, 255)
    tray.walk("Work", "🟢 Teal ops")
    shot = desktop.screenshot("menu-swatches-appindicator.png")
    submenu = desktop.menus()[1]
    assert desktop.count_color(TEAL, submenu, shot) >= 40, desktop.colors(submenu, shot)
    tray.close_menu()
