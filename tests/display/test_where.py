"""Always know where you are, on a real tray: the icon follows the console, the menu names the terminals.

One tray on a test desktop (Xvfb, D-Bus, trayer, dunst), STS on moto, the federation endpoint on our
stub, the browser a script that takes the one-time loopback link as a browser would. The ends of
sessions are moved by rewriting the times in the state file, which the tray reads every tick: the
tray cannot tell that from an hour passing.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import test_tray as kit  # the Tray driver; a module import, so pytest does not collect its tests twice
from support.desktop import Desktop
from support.servers import FederationStub, MotoServer

pytestmark = pytest.mark.display

RED, GREEN, BLUE = "c62828", "2e7d32", "1565c0"
PAST = "2020-01-01T00:00:00Z"

CONFIG = textwrap.dedent(
    """\
    [primary]
    label = "george"
    account_id = "111122223333"

    [settings]
    clipboard_clear_seconds = 120

    [[account]]
    name = "prod"
    display_name = "Production"
    account_id = "777788889999"
    role_name = "admin"
    color = "#c62828"
    group = "Work"
    external_id = "acme-7f3a"

    [[account]]
    name = "sandbox"
    display_name = "Sandbox"
    account_id = "444455556666"
    role_name = "dev"
    color = "#2e7d32"
    group = "Work"

    [[account]]
    name = "back"
    display_name = "back"
    account_id = "555566667777"
    role_name = "admin"
    color = "#1565c0"
    """
)

# A browser that does what a browser does with our one-time loopback link (one GET, no redirect
# followed: the login URL is a secret and the stub's is not a real console) and records the rest.
BROWSER = """\
import http.client, json, sys, urllib.parse
url = sys.argv[1]
entry = {"url": url}
parts = urllib.parse.urlsplit(url)
if parts.hostname == "127.0.0.1":
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", parts.path)
    entry["status"] = conn.getresponse().status
with open(%r, "a", encoding="utf-8") as log:
    log.write(json.dumps(entry) + "\\n")
"""

VISUAL = """\
#!{python}
import sys
open({log!r}, "a", encoding="utf-8").write(repr(sys.argv[1:]) + "\\n")
"""


@pytest.fixture
def tray(desktop: Desktop, isolated_home: Path, moto: MotoServer) -> Iterator[kit.Tray]:
    stub = FederationStub()
    stub.start()
    made = kit.Tray(desktop, isolated_home, moto.url)
    made.config_path.write_text(CONFIG)
    made.browser_log = isolated_home / "browser.jsonl"
    script = isolated_home / "browser.py"
    script.write_text(BROWSER % str(made.browser_log))
    made.env["BROWSER"] = f"{sys.executable} {script} %s"
    made.env["TRAYAPP_SIGNIN_ENDPOINT"] = stub.url
    visual = isolated_home / "visual.py"
    visual.write_text(VISUAL.format(python=sys.executable, log=str(visual_log(made))))
    visual.chmod(visual.stat().st_mode | stat.S_IXUSR)
    made.env["VISUAL"] = str(visual)
    made.env["PATH"] = os.environ.get("PATH", "")
    try:
        yield made
    finally:
        stub.stop()
        for pid in kit.clear_later_pids(isolated_home):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def visual_log(tray: kit.Tray) -> Path:
    """Where the $VISUAL script records the arguments it was called with."""
    return tray.home / "visual.log"


def opened(tray: kit.Tray) -> list[dict[str, object]]:
    log = tray.browser_log
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def rewrite_state(tray: kit.Tray, change: dict[str, object]) -> None:
    """Move a session's end by editing the state file, as time passing would (the tray re-reads it)."""
    data = tray.state()
    data.update(change)
    tray.state_path.write_text(json.dumps(data))


def test_the_icon_follows_the_console_and_the_menu_names_the_terminals(tray: kit.Tray) -> None:
    desktop = tray.desktop
    tray.start()

    # Back while primary: nothing happens in the browser, and the tray says so (as "trayapp").
    before = len(desktop.sent_notifications())
    tray.choose("Back to primary")
    note = tray.wait_notification(before, "Back to primary")
    assert note.body == "Already in the primary session; the browser was left as it is.", note
    assert note.app_name == "trayapp", note
    assert opened(tray) == []

    # Open Production (signed: it needs an external id). The icon takes Production's red.
    before = len(desktop.sent_notifications())
    tray.choose("Work", "🔴 Production", "Open console (signed")
    tray.wait_notification(before, "Production")
    (entry,) = opened(tray)
    assert str(entry["url"]).startswith("http://127.0.0.1:") and entry["status"] == 302, entry
    tray.wait_icon(RED)
    assert tray.state()["console"]["mode"] == "signed"  # type: ignore[index]

    # Copy Sandbox's credentials: the icon keeps Production's red; the menu gains a Terminal line.
    console_height = tray.menu_height()
    before = len(desktop.sent_notifications())
    tray.choose("Work", "🟢 Sandbox", "Copy credentials (bash")
    tray.wait_notification(before, "Sandbox")
    time.sleep(0.3)  # the notification is sent after the refresh; let GTK draw it
    assert tray.icon_pixels(RED) >= 200 and tray.icon_pixels(GREEN) == 0, tray.icon_colors()
    assert tray.terminal_names() == ["sandbox"]
    labels = [e.label for e in tray.model()[:3]]
    assert labels[1].startswith("Console: 🔴 Production · ") and labels[2].startswith(
        "Terminal: 🟢 Sandbox · "
    )
    tray.open_menu()
    desktop.screenshot("menu-console-and-terminal.png")
    both_height = desktop.menus()[0].height
    tray.close_menu()
    assert both_height > console_height  # the Terminal line, and Sandbox in Recent

    # Sandbox's credentials expire: the Terminal line (one row) goes, the icon stays red.
    rewrite_state(tray, {"terminal": [["sandbox", PAST]]})
    desktop.wait_for(
        lambda: tray.menu_height() < both_height,
        timeout=10,
        interval=0.3,
        message="the terminal line to go",
    )
    assert 15 <= both_height - tray.menu_height() <= 40, (both_height, tray.menu_height())
    assert not [e for e in tray.model() if e.label.startswith("Terminal:")]
    assert tray.icon_pixels(RED) >= 200, tray.icon_colors()

    # The console session ends: neutral.
    console = dict(tray.state()["console"])  # type: ignore[call-overload]
    rewrite_state(tray, {"console": {**console, "until": PAST}})
    desktop.wait_for(lambda: tray.icon_pixels(RED) == 0, timeout=10, message="red to leave the icon")
    assert tray.icon_pixels(kit.NEUTRAL) >= 200, tray.icon_colors()
    assert tray.model()[1].label == "Console: primary session"

    # An account named "back" is an account like any other.
    before = len(desktop.sent_notifications())
    tray.choose("🔵 back", "Open console (switch role)")
    note = tray.wait_notification(before, "back")
    assert note.body == "Opened the console for back (switch-role).", note
    assert "account=555566667777" in str(opened(tray)[-1]["url"])
    tray.wait_icon(BLUE)
    assert tray.alive() and "Traceback" not in tray.log()


def test_edit_accounts_calls_visual_with_the_config_path(tray: kit.Tray) -> None:
    tray.start()
    tray.choose("Edit accounts…")
    log = visual_log(tray)
    tray.desktop.wait_for(log.exists, message="$VISUAL to be called")
    assert log.read_text() == f"[{str(tray.config_path)!r}]\n"
    assert tray.alive()


@pytest.mark.parametrize(
    "content",
    [b'{"console": {"account": 7, "until": []}}', b"\x00\xff{{", b'{"terminal": "sandbox"}'],
    ids=["wrong-types", "binary", "wrong-shape"],
)
def test_a_damaged_state_file_never_keeps_the_tray_from_starting(tray: kit.Tray, content: bytes) -> None:
    tray.state_path.parent.mkdir(parents=True, exist_ok=True)
    tray.state_path.write_bytes(content)
    tray.start()  # docks: the icon is in the tray
    note = tray.wait_notification(0, "trayapp")
    assert note.body.startswith(f"{tray.state_path} was damaged"), note
    assert "set aside as state.json.bad" in note.body, note
    assert tray.state_path.with_name("state.json.bad").read_bytes() == content  # nothing lost
    assert tray.icon_pixels(kit.NEUTRAL) >= 200, tray.icon_colors()
    tray.choose("Work", "🟢 Sandbox", "Open console (switch role)")
    tray.wait_icon(GREEN)  # and it works as ever
    assert tray.alive() and "Traceback" not in tray.log()
