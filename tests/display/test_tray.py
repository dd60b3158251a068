"""The real tray, end to end: ``python -m trayapp tray`` on a test desktop, driven with real clicks and keys.

Each test gets its own desktop (Xvfb, D-Bus, trayer, dunst), its own isolated HOME and its own
tray process; STS is moto on loopback. The menu is opened with a right click on the docked icon
and walked with the keyboard; which keys to press is worked out from the menu model
(:func:`trayapp.tray.menu.build_menu`) for the same config and state, so a test names the
labels it wants ("Work", "🔵 Staging", "Open console") rather than screen positions.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from support.dbusmenu import labels, menu_layout
from support.desktop import Box, Desktop, Notification
from support.layers import missing_layer
from support.servers import PRIMARY_ACCESS_KEY_ID, PRIMARY_SECRET_ACCESS_KEY, MotoServer

from trayapp.core.cache import utc_now
from trayapp.core.config import load_config
from trayapp.core.errors import ConfigError
from trayapp.core.model import Config
from trayapp.core.state import StateStore
from trayapp.tray import images
from trayapp.tray.menu import Entry, MenuView, build_menu

pytestmark = pytest.mark.display

REPO = Path(__file__).resolve().parents[2]
DOCS_MENU = REPO / "docs" / "menu.png"
GREEN, RED, BLUE = "2e7d32", "c62828", "1565c0"
NEUTRAL = images.BACKGROUND  # the mark's dark slate
ACCOUNT_ID = "444455556666"

CONFIG = textwrap.dedent(
    """\
    [primary]
    label = "george"
    account_id = "111122223333"

    [settings]
    clipboard_clear_seconds = {clear}

    [[account]]
    name = "side-project"
    display_name = "Side project"
    account_id = "{side_id}"
    role_name = "admin"
    color = "#2e7d32"
    group = "Personal"

    [[account]]
    name = "prod"
    display_name = "Production"
    account_id = "777788889999"
    role_name = "ops/admin"
    color = "#c62828"
    group = "Work"
    external_id = "acme-7f3a"

    [[account]]
    name = "staging"
    display_name = "Staging"
    account_id = "777788880000"
    role_name = "admin"
    color = "#1565c0"
    group = "Work"
    """
)

RECORDER = textwrap.dedent(
    """\
    import sys
    with open({out!r}, "a", encoding="utf-8") as f:
        f.write(sys.argv[1] + "\\n")
    """
)

EXPORT = re.compile(r"^ export (AWS_[A-Z_]+)='([^']*)'$", re.MULTILINE)


def config_text(clear: int = 3, side_id: str = ACCOUNT_ID) -> str:
    return CONFIG.format(clear=clear, side_id=side_id)


@dataclass
class Tray:
    """One test's tray: its files, its environment, its process, and ways to drive it."""

    desktop: Desktop
    home: Path
    sts_url: str
    clear_seconds: int = 3
    proc: subprocess.Popen[bytes] | None = None
    icon: Box = field(default_factory=lambda: Box(0, 0, 0, 0))
    env: dict[str, str] = field(default_factory=dict)
    good_config: Config | None = None

    def __post_init__(self) -> None:
        aws = self.home / ".aws"
        aws.mkdir(parents=True, exist_ok=True)
        (aws / "credentials").write_text(
            f"[default]\naws_access_key_id = {PRIMARY_ACCESS_KEY_ID}\n"
            f"aws_secret_access_key = {PRIMARY_SECRET_ACCESS_KEY}\n"
        )
        (aws / "config").write_text("[default]\nregion = us-east-1\n")
        self.config_path = self.home / "trayapp.toml"
        self.config_path.write_text(config_text(self.clear_seconds))
        self.browser_log = self.home / "browser.log"
        recorder = self.home / "record_browser.py"
        recorder.write_text(RECORDER.format(out=str(self.browser_log)))
        self.state_path = self.home / ".local" / "state" / "trayapp" / "state.json"
        self.env = {
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "XDG_STATE_HOME": str(self.home / ".local" / "state"),
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "AWS_CONFIG_FILE": str(aws / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials"),
            "AWS_ENDPOINT_URL_STS": self.sts_url,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "TRAYAPP_CONFIG": str(self.config_path),
            "BROWSER": f"{self.desktop.python} {recorder} %s",
            "PYTHONPATH": str(REPO),
        }

    # -- processes -------------------------------------------------------------------------

    def start(self, name: str = "trayapp") -> subprocess.Popen[bytes]:
        """Start ``trayapp tray`` and wait until its icon is drawn in the tray."""
        self.good_config = load_config(self.config_path)
        self.desktop.hand_over(self.home)
        proc = self.desktop.spawn(
            [self.desktop.python, "-m", "trayapp", "tray", "--debug"], name=name, env=self.env, cwd=REPO
        )
        self.proc = proc
        try:
            self.icon = self.desktop.wait_for_tray_icon(proc.pid, timeout=15)
            # The icon shows first; its menu comes once the tray behind it has loaded.
            self.desktop.wait_for(
                lambda: "the tray behind the icon is ready" in self.desktop.log(name),
                timeout=15,
                message="the tray behind its icon",
            )
        except TimeoutError as exc:
            raise AssertionError(f"{exc}\n{name} log:\n{self.desktop.log(name)}") from None
        return proc

    def cli(
        self, *args: str, timeout: float = 30, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``python -m trayapp ARGS`` with this tray's environment (plus ``env``), as the desktop's user."""
        self.desktop.hand_over(self.home)
        return subprocess.run(
            self.desktop.command([self.desktop.python, "-m", "trayapp", *args], {**self.env, **(env or {})}),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        return self.desktop.log("trayapp")

    # -- what the tray wrote -------------------------------------------------------------------

    def state(self) -> dict[str, object]:
        try:
            data: dict[str, object] = json.loads(self.state_path.read_text())
        except FileNotFoundError:
            return {}
        return data

    def terminal_names(self) -> list[str]:
        """The accounts whose credentials the state file says a terminal holds."""
        return [str(t[0]) for t in self.state().get("terminal") or []]  # type: ignore[union-attr]

    def urls(self) -> list[str]:
        return self.browser_log.read_text().splitlines() if self.browser_log.exists() else []

    def icon_pixels(self, rgb: str | tuple[int, int, int]) -> int:
        return self.desktop.count_color(rgb, self.icon)

    def wait_icon(self, rgb: str) -> None:
        """Wait until the icon shows this colour: the tray applied the new state, menu included."""
        self.desktop.wait_for(lambda: self.icon_pixels(rgb) >= 200, message=f"the icon in #{rgb}")
        time.sleep(0.2)  # the menu is rebuilt in the same refresh, just after the icon

    def icon_colors(self) -> str:
        return f"icon colours: {self.desktop.colors(self.icon)}"

    def notifications_since(self, count: int) -> list[Notification]:
        return self.desktop.sent_notifications()[count:]

    def wait_notification(self, since: int, summary: str, timeout: float = 15) -> Notification:
        def found() -> list[Notification]:
            return [n for n in self.notifications_since(since) if n.summary == summary]

        try:
            return self.desktop.wait_for(found, timeout, message=f"a notification {summary!r}")[0]
        except TimeoutError as exc:
            raise AssertionError(
                f"{exc}; sent: {self.notifications_since(since)}\ntray log:\n{self.log()}"
            ) from None

    # -- the menu --------------------------------------------------------------------------

    def model(self, problem: str | None = None) -> tuple[Entry, ...]:
        """The menu the tray should be showing now: same config (the last good one), same state file."""
        try:
            self.good_config = load_config(self.config_path)
        except ConfigError:
            if self.good_config is None:
                raise
        menu: tuple[Entry, ...] = build_menu(
            MenuView(
                config=self.good_config,
                state=StateStore(self.state_path).load(),
                now=utc_now(),
                primary_label="george",
                problems=(problem,) if problem else (),
                autostart=False,
            )
        )
        return menu

    def open_menu(self, button: int = 3) -> Box:
        """Click the docked icon (right: the menu on every host) and wait for the popup."""
        self.desktop.click(*self.icon.center, button=button)
        box = self.desktop.wait_for_menu()
        time.sleep(0.1)  # mapped; give GTK a moment to take the keyboard grab
        return box

    def walk(self, *labels: str, problem: str | None = None) -> Box:
        """Open the menu and select the item reached through ``labels`` (label prefixes), submenus opened.

        Returns the box of the deepest open menu. Nothing is activated yet: press Return for that.
        """
        indices = indices_to(self.model(problem), labels)
        self.open_menu()
        return self.desktop.select_menu_path(indices)

    def choose(self, *labels: str, problem: str | None = None) -> None:
        """Open the menu, walk to the item and activate it with Return; the menus close."""
        self.walk(*labels, problem=problem)
        self.desktop.activate_selected()
        self.desktop.wait_for_no_menu()

    def close_menu(self) -> None:
        self.desktop.dismiss_menus()

    def menu_height(self) -> int:
        """The height of the top menu, opened and closed again."""
        self.open_menu()
        box = self.desktop.menus()[0]
        self.close_menu()
        return box.height


def indices_to(menu: tuple[Entry, ...], labels: tuple[str, ...]) -> list[int]:
    """The index, among the selectable items (no separators, no insensitive ones) of each menu, of each label."""
    indices: list[int] = []
    level = menu
    for label in labels:
        selectable = [e for e in level if not e.separator and e.enabled]
        matches = [i for i, e in enumerate(selectable) if e.label.startswith(label)]
        if not matches:
            raise AssertionError(f"no item {label!r} in {[e.label for e in selectable]}")
        indices.append(matches[0])
        level = selectable[matches[0]].children
    return indices


def keys_to(menu: tuple[Entry, ...], labels: tuple[str, ...]) -> list[str]:
    """The keys that select the item reached through ``labels`` in a freshly opened GTK menu.

    GTK skips separators and insensitive items. In the top menu nothing is selected yet, so the
    first Down selects the first item; Right opens a submenu with its first item selected.
    """
    keys: list[str] = []
    level = menu
    for depth, label in enumerate(labels):
        selectable = [e for e in level if not e.separator and e.enabled]
        matches = [i for i, e in enumerate(selectable) if e.label.startswith(label)]
        if not matches:
            raise AssertionError(f"no item {label!r} in {[e.label for e in selectable]}")
        index = matches[0]
        keys += ["Down"] * (index + 1 if depth == 0 else index)
        if depth < len(labels) - 1:
            keys.append("Right")
            level = selectable[index].children
    return keys


def exports(text: str | None) -> dict[str, str]:
    return dict(EXPORT.findall(text or ""))


def local_hhmm_near(hhmm: str, expected: datetime, slack: timedelta = timedelta(minutes=3)) -> bool:
    """Whether "14:32" is within ``slack`` of ``expected`` (local time), across midnight too."""
    hours, minutes = map(int, hhmm.split(":"))
    got = hours * 60 + minutes
    want = expected.hour * 60 + expected.minute
    diff = abs(got - want) % (24 * 60)
    return min(diff, 24 * 60 - diff) <= slack.total_seconds() // 60


def clear_later_pids(home: Path) -> list[int]:
    """The detached "clear the clipboard later" helpers started by this test's tray (by its HOME)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"trayapp.platforms.clipboard" in cmdline and f"HOME={home}".encode() in environ:
            pids.append(int(proc.name))
    return pids


def running_tray(desktop: Desktop, isolated_home: Path, moto: MotoServer) -> Iterator[Tray]:
    made = Tray(desktop, desktop.home_for(isolated_home), moto.url)
    try:
        yield made
    finally:
        for pid in clear_later_pids(made.home):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def tray(desktop: Desktop, isolated_home: Path, moto: MotoServer) -> Iterator[Tray]:
    """A tray on trayer (XEmbed, gtk backend)."""
    yield from running_tray(desktop, isolated_home, moto)


@pytest.fixture
def host_tray(any_desktop: Desktop, isolated_home: Path, moto: MotoServer) -> Iterator[Tray]:
    """A tray on each host in turn (trayer, xfce4-panel, sway + waybar), its backend chosen by the app."""
    yield from running_tray(any_desktop, isolated_home, moto)


# --------------------------------------------------------------------------------------------
# tests
# --------------------------------------------------------------------------------------------


def test_open_console_colours_the_icon_and_back_to_primary_makes_it_neutral(host_tray: Tray) -> None:
    tray = host_tray
    desktop = tray.desktop
    expected_url = tray.cli("url", "staging", "--switch-role")
    assert expected_url.returncode == 0, expected_url.stderr
    expected_back = tray.cli("back", "--print")  # before the tray runs: it resets the state file
    assert expected_back.returncode == 0, expected_back.stderr
    tray.state_path.unlink(missing_ok=True)

    tray.start()
    # The app chose the backend this host speaks (no PYSTRAY_BACKEND here), and said so under --debug.
    backend = "gtk" if desktop.kind == "trayer" else "appindicator"
    assert f"tray backend: {backend} (" in tray.log(), tray.log()
    # Docked, neutral: the mark's slate, none of the accounts' colours.
    assert tray.icon_pixels(NEUTRAL) >= 200, tray.icon_colors()
    assert all(tray.icon_pixels(c) == 0 for c in (GREEN, RED, BLUE)), tray.icon_colors()
    # On a StatusNotifierItem panel a left click opens the menu too. On trayer (XEmbed) it runs the
    # menu's default item, the quick switcher (tests/display/test_switcher.py); waybar sends it to
    # the app as Activate.
    if desktop.kind == "xfce":
        tray.open_menu(button=1)
        tray.close_menu()

    # The menu, the Work group and Staging's submenu open.
    tray.walk("Work", "🔵 Staging", "Open console (switch role)")
    desktop.screenshot("1-menu-primary.png")
    assert len(desktop.menus()) == 3
    desktop.activate_selected()
    desktop.wait_for_no_menu()

    # The browser got exactly the switch-role URL; the icon took Staging's exact colour.
    desktop.wait_for(tray.urls, message="the URL at $BROWSER")
    assert tray.urls() == [expected_url.stdout.strip()]
    assert tray.urls()[0].startswith("https://signin.aws.amazon.com/switchrole?account=777788880000&")
    tray.wait_icon(BLUE)
    assert all(tray.icon_pixels(c) == 0 for c in (GREEN, RED)), tray.icon_colors()
    state = tray.state()
    assert state["console"]["account"] == "staging" and state["recent"] == ["staging"], state  # type: ignore[index]
    assert isinstance(state["console"]["until"], str)  # type: ignore[index]

    # The menu while Staging is active: header, Recent, the Work group and Production's submenu
    # (its switch-role item disabled, saying why). Kept for the README too.
    desktop.close_notifications()
    desktop.wait_for(lambda: not desktop.notification_popups(), message="the popups to close")
    tray.walk("Work", "🔴 Production", "Open console (signed sign-in)")
    shot = desktop.screenshot("2-menu-active.png")
    menus = desktop.menus()
    assert len(menus) == 3
    crop = Box(0, 0, max(m.right for m in menus) + 8, max(m.bottom for m in menus) + 8)
    shot.crop(crop).save(desktop.artifacts / "menu-readme.png")  # type: ignore[operator]
    if os.environ.get("TRAYAPP_UPDATE_DOCS") == "1":  # refresh the README's picture on purpose only
        shot.crop(crop).save(DOCS_MENU)
    tray.close_menu()

    # Back to primary: neutral again, the logout URL opened, no active account.
    tray.choose("Back to primary")
    desktop.wait_for(lambda: len(tray.urls()) == 2, message="the logout URL at $BROWSER")
    assert tray.urls()[1] == expected_back.stdout.strip()
    assert tray.urls()[1].startswith("https://us-east-1.signin.aws.amazon.com/oauth?Action=logout&")
    assert "111122223333.signin.aws.amazon.com" in tray.urls()[1]
    desktop.wait_for(lambda: tray.icon_pixels(BLUE) == 0, message="Staging's blue to leave the icon")
    assert tray.icon_pixels(NEUTRAL) >= 200, tray.icon_colors()
    assert tray.state()["console"] is None
    assert tray.alive()


def test_a_second_start_paints_the_remembered_picture_and_its_menu_works_at_once(host_tray: Tray) -> None:
    """The icon shows before the tray behind it loads (trayapp.tray.firstpaint), and never shows a stale picture."""
    tray = host_tray
    desktop = tray.desktop
    opened = tray.cli("open", "staging", "--switch-role")  # before any tray: the console is in Staging
    assert opened.returncode == 0, opened.stderr
    memory = tray.home / ".cache" / "trayapp" / "first-paint.json"

    def quit_tray(name: str) -> None:
        for _ in range(3):  # an SNI panel may drop a click while it takes in a new menu (see the Quit test)
            with contextlib.suppress(TimeoutError):
                tray.choose("Quit")
                desktop.wait_for(
                    lambda: "menu action: Command.QUIT" in desktop.log(name), timeout=3, message="Quit"
                )
                break
        assert tray.proc is not None and tray.proc.wait(timeout=10) == 0, desktop.log(name)

    tray.start("trayapp-first")
    assert "first paint: after loading" in desktop.log("trayapp-first")
    tray.wait_icon(BLUE)
    desktop.wait_for(lambda: memory.exists() and BLUE in memory.read_text(), message="the remembered picture")
    assert memory.stat().st_mode & 0o077 == 0 and memory.parent.stat().st_mode & 0o077 == 0
    quit_tray("trayapp-first")

    tray.start("trayapp")  # nothing changed: the remembered picture, at once, in Staging's colour
    assert "first paint: the remembered picture" in tray.log(), tray.log()
    assert tray.icon_pixels(BLUE) >= 200, tray.icon_colors()
    tray.choose("Back to primary")  # the real menu, loaded behind the icon (a click before it waits: unit tests)
    desktop.wait_for(lambda: tray.icon_pixels(BLUE) == 0, message="Staging's blue to leave the icon")
    assert tray.icon_pixels(NEUTRAL) >= 200, tray.icon_colors()
    desktop.wait_for(lambda: BLUE not in memory.read_text(), message="the neutral picture remembered")
    quit_tray("trayapp")

    # Changed behind the tray's back: the remembered (neutral) picture no longer holds; the truth shows.
    opened = tray.cli("open", "staging", "--switch-role")
    assert opened.returncode == 0, opened.stderr
    tray.start("trayapp-third")
    assert "first paint: after loading" in desktop.log("trayapp-third")
    assert tray.icon_pixels(BLUE) >= 200, tray.icon_colors()
    quit_tray("trayapp-third")


def test_copy_credentials_notifies_without_secrets_and_clears_the_clipboard(host_tray: Tray) -> None:
    tray = host_tray
    desktop = tray.desktop
    tray.start()
    before = len(desktop.sent_notifications())
    tray.choose("Personal", "🟢 Side project", "Copy credentials (bash")
    copied_at = time.monotonic()

    def credentials_copied() -> str:
        text = desktop.clipboard() or ""
        return text if "AWS_ACCESS_KEY_ID" in text else ""

    text = desktop.wait_for(credentials_copied, message="credentials on the clipboard")
    seen_at = time.monotonic()
    found = exports(text)
    assert set(found) >= {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}, text
    assert found["AWS_ACCESS_KEY_ID"].startswith("ASIA"), text
    assert all(line.startswith((" export ", "# ")) for line in text.splitlines() if line.strip()), text

    # "Credentials for Side project copied, valid until HH:MM." - and no secret anywhere.
    note = tray.wait_notification(before, "Side project")
    match = re.fullmatch(r"Credentials for Side project copied, valid until (\d\d:\d\d)\.", note.body)
    assert match, note
    assert local_hhmm_near(match.group(1), datetime.now().astimezone() + timedelta(hours=1)), note
    desktop.wait_for_notification_popup()
    desktop.screenshot("notification.png")
    secrets = [found["AWS_SECRET_ACCESS_KEY"], found["AWS_SESSION_TOKEN"], PRIMARY_SECRET_ACCESS_KEY]
    for where, content in (
        ("notifications", desktop.notification_log()),
        ("tray log", tray.log()),
        (f"{desktop.notifier} log", desktop.log(desktop.notifier)),
        ("state file", tray.state_path.read_text()),
    ):
        for secret in secrets:
            assert secret not in content, f"a secret in the {where}"

    # Terminal credentials: a menu line, never the icon's colour (the console is still primary).
    desktop.wait_for(lambda: tray.terminal_names() == ["side-project"], message="the terminal line")
    assert tray.icon_pixels(NEUTRAL) >= 200 and tray.icon_pixels(GREEN) == 0, tray.icon_colors()

    # Cleared after clipboard_clear_seconds (3), not before.
    key = found["AWS_ACCESS_KEY_ID"]
    desktop.wait_for(
        lambda: key not in (desktop.clipboard() or ""), timeout=10, message="the clipboard cleared"
    )
    cleared_after = time.monotonic() - copied_at
    assert time.monotonic() - seen_at >= 1.5, "cleared too early"
    assert 2.5 <= cleared_after <= 9, cleared_after
    assert found["AWS_SECRET_ACCESS_KEY"] not in (desktop.clipboard() or "")
    assert tray.alive()


def test_a_config_broken_while_running_keeps_the_last_good_accounts(tray: Tray) -> None:
    desktop = tray.desktop
    tray.start()
    good_height = tray.menu_height()
    before = len(desktop.sent_notifications())

    tray.config_path.write_text(config_text(side_id="44445555666"))  # 11 digits
    note = tray.wait_notification(before, "Config problem, keeping the last good accounts", timeout=8)
    assert "account_id" in note.body, note

    # The menu shows the problem line (one row more) and still lists every account.
    tray.walk("Work", "🔵 Staging", "Open console (switch role)", problem=note.body)
    desktop.screenshot("menu-config-problem.png")
    row = desktop.menus()[0].height - good_height
    assert 15 <= row <= 40, (good_height, desktop.menus())
    desktop.activate_selected()
    desktop.wait_for_no_menu()
    desktop.wait_for(tray.urls, message="Staging's URL at $BROWSER")
    assert "account=777788880000" in tray.urls()[0]
    tray.wait_icon(BLUE)  # Staging active: the menu now has "Recent" too

    tray.choose("Personal", "🟢 Side project", "Copy console link", problem=note.body)
    desktop.wait_for(
        lambda: f"account={ACCOUNT_ID}" in (desktop.clipboard() or ""),
        message="the last good Side project's link on the clipboard",
    )

    # Fixed on disk: the problem line goes away by itself (the menu now also has "Recent").
    broken_height = tray.menu_height()
    tray.config_path.write_text(config_text())
    desktop.wait_for(
        lambda: tray.menu_height() == broken_height - row,
        timeout=10,
        interval=0.3,
        message="the problem line to go",
    )
    assert tray.alive()
    assert not [n for n in tray.notifications_since(before) if "Something went wrong" in n.body]


def test_sts_down_gives_one_clear_notification_and_the_tray_keeps_running(
    desktop: Desktop, isolated_home: Path, tmp_path: Path
) -> None:
    # Its own server, stopped half-way: the shared one's port stays ours for the tests after it.
    own = MotoServer(log_path=tmp_path / "moto_server.log")
    if not own.executable.exists():
        missing_layer(f"moto_server not found at {own.executable} (pip install 'moto[server]')")
    own.start()
    try:
        tray = Tray(desktop, isolated_home, own.url, clear_seconds=120)  # keep what was copied
        tray.start()
        copied = len(desktop.sent_notifications())
        tray.choose("Personal", "🟢 Side project", "Copy credentials (bash")
        text = desktop.wait_for(lambda: exports(desktop.clipboard()), message="Side project's credentials")
        key = text["AWS_ACCESS_KEY_ID"]
        tray.wait_notification(copied, "Side project")  # sent after the menu was rebuilt
        time.sleep(0.2)

        own.stop()
        before = len(desktop.sent_notifications())
        began = time.monotonic()
        tray.choose("Work", "🔵 Staging", "Copy credentials (bash")

        def failure() -> list[Notification]:
            return [n for n in tray.notifications_since(before) if "STS" in n.body]

        notes = desktop.wait_for(failure, timeout=20, message="the STS failure notification")
        took = time.monotonic() - began
        desktop.screenshot("notification-sts-down.png")
        time.sleep(1.0)  # nothing more arrives for this one action
        sent = tray.notifications_since(before)
        assert len(sent) == 1, sent
        assert notes[0].summary == "Staging", notes[0]  # which account it was about
        assert notes[0].body.startswith(f"Could not connect to AWS STS at {own.url}"), notes[0]
        assert "Traceback" not in tray.log()

        # Nothing lost, still running: Side project's terminal line stays, the menu still opens.
        assert tray.alive()
        assert tray.terminal_names() == ["side-project"]
        assert tray.icon_pixels(NEUTRAL) >= 200, tray.icon_colors()
        assert tray.icon_pixels(BLUE) == 0 and tray.icon_pixels(GREEN) == 0, tray.icon_colors()
        assert key in (desktop.clipboard() or ""), "the failure must not touch the clipboard"
        assert took < 15, took
        tray.open_menu()
        tray.close_menu()
        assert tray.alive()
    finally:
        own.stop()
        for pid in clear_later_pids(isolated_home):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_an_open_menu_stays_open_while_its_words_change(host_tray: Tray) -> None:
    """The header's words change every minute (time left) and with every state change; a rebuilt
    menu would close the one the user has open on StatusNotifierItem hosts: it is relabelled."""
    tray = host_tray
    desktop = tray.desktop
    proc = tray.start()
    assert tray.cli("open", "staging", "--switch-role").returncode == 0
    tray.wait_icon(BLUE)
    menu = tray.open_menu()
    if desktop.kind != "trayer":  # AppIndicator: the words the host is sent
        assert "Console: primary session" not in labels(menu_layout(desktop, proc.pid))
    back = tray.cli("back", "--print")  # the console goes back to the primary: only the header's words change
    assert back.returncode == 0, back.stderr
    tray.wait_icon(NEUTRAL)
    if desktop.kind != "trayer":
        desktop.wait_for(
            lambda: "Console: primary session" in labels(menu_layout(desktop, proc.pid)),
            message="the new header line sent to the host",
        )
    desktop.screenshot("menu-relabelled.png")
    assert desktop.menus() == [menu], "the open menu was closed or moved by the refresh"
    tray.close_menu()


def test_one_tray_per_user_and_a_killed_trays_lock_is_not_stale(tray: Tray) -> None:
    first = tray.start("trayapp-first")
    began = time.monotonic()
    second = tray.cli("tray", timeout=20)
    assert second.returncode == 0, second
    assert "already running" in second.stderr + second.stdout
    assert time.monotonic() - began < 10
    assert first.poll() is None

    first.send_signal(signal.SIGKILL)
    assert first.wait(timeout=10) == -signal.SIGKILL
    tray.desktop.wait_for(lambda: not tray.desktop.tray_icons(pid=first.pid), message="the killed icon to go")

    third = tray.start("trayapp")  # the lock left by the killed process does not block it
    assert third.poll() is None
    tray.choose("Quit")
    assert third.wait(timeout=10) == 0, tray.log()


def test_quit_exits_0_and_clears_credentials_it_copied(host_tray: Tray) -> None:
    tray = host_tray
    desktop = tray.desktop
    tray.config_path.write_text(config_text(clear=120))  # the timed clear would come far too late
    tray.start()
    before = len(desktop.sent_notifications())
    tray.choose("Work", "🔵 Staging", "Copy credentials (bash")
    found = desktop.wait_for(lambda: exports(desktop.clipboard()), message="Staging's credentials")
    assert found["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    desktop.wait_for(lambda: tray.terminal_names() == ["staging"], message="Staging's terminal line")
    # The notification comes after the tray's refresh: the menu now has the Terminal line.
    tray.wait_notification(before, "Staging")

    # On a StatusNotifierItem host the panel may still be taking in the menu rebuilt for the new
    # Terminal line: meanwhile it may not open the menu for a click, or close the one it replaces,
    # and the click never reaches the tray. The tray logs every action it receives; only a Quit it
    # never received is chosen again.
    for _ in range(3):
        with contextlib.suppress(TimeoutError):
            tray.choose("Quit")
            desktop.wait_for(lambda: "menu action: Command.QUIT" in tray.log(), timeout=3, message="Quit")
            break
    assert tray.proc is not None
    assert tray.proc.wait(timeout=10) == 0, tray.log()
    left = desktop.clipboard() or ""
    assert found["AWS_ACCESS_KEY_ID"] not in left and found["AWS_SESSION_TOKEN"] not in left, left
    desktop.wait_for(lambda: not desktop.tray_icons(), message="the icon to leave the tray")
    assert "Traceback" not in tray.log(), tray.log()


def test_hovering_the_icon_shows_a_tooltip_and_the_tray_follows_the_command_line(tray: Tray) -> None:
    """The tooltip names the state; an account opened from a terminal shows in the tray within a tick."""
    desktop = tray.desktop
    tray.start()

    def tooltip() -> Box | None:
        for window in desktop.windows_named("^trayapp$", by="classname"):
            if "_NET_WM_WINDOW_TYPE_TOOLTIP" in desktop.window_types(window):
                return desktop.window_geometry(window)
        return None

    def hover() -> Box:
        desktop.move(desktop.width - 5, desktop.height - 5)
        desktop.wait_for(lambda: tooltip() is None, message="the tooltip to go away")
        desktop.move(*tray.icon.center)
        found: Box = desktop.wait_for(tooltip, timeout=10, message="a tooltip from the tray")
        return found

    primary = hover()
    desktop.screenshot("tooltip-primary.png")
    opened = tray.cli("open", "staging", "--switch-role")
    assert opened.returncode == 0, opened.stderr
    tray.wait_icon(BLUE)  # the tray saw the terminal's choice
    active = hover()
    desktop.screenshot("tooltip-active.png")
    # "trayapp: primary session (george)" and "trayapp: Staging, 59 min left" differ in width.
    assert active.width != primary.width


def test_creds_copy_into_a_pipe_returns_at_once_and_reaches_the_clipboard(host_tray: Tray) -> None:
    """``trayapp creds X --copy | cat``: the clipboard helper left serving the selection holds no pipe of ours."""
    tray = host_tray
    desktop = tray.desktop
    began = time.monotonic()
    done = tray.cli("creds", "side-project", "--copy", timeout=60)  # stdout and stderr are pipes here
    took = time.monotonic() - began
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and "Credentials for Side project copied" in done.stderr, done
    assert took < 20, took  # without its own stdio, the helper kept the pipe open until the clipboard changed
    found = exports(desktop.clipboard())
    assert found["AWS_ACCESS_KEY_ID"].startswith("ASIA"), found

    # Without a display there is no clipboard: the message says so (not that a tool is missing).
    headless = tray.cli("creds", "side-project", "--copy", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert headless.returncode == 1, headless
    assert "there is no display to hold the clipboard" in headless.stderr, headless.stderr
    assert "install" not in headless.stderr
