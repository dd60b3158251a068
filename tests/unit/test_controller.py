"""The tray's state machine without a screen: console and terminal, expiries, back to primary, config edits."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from support.fakeenv import Fakes, FixedClock

from trayapp.app import App
from trayapp.core.cache import CachedSession, MemoryCache
from trayapp.core.model import Account, RoleCredentials
from trayapp.core.state import StateStore
from trayapp.tray.controller import AccountKey, IconSpec, TrayController
from trayapp.tray.menu import Action, Command, CopyCredentials, OpenConsole, render_text

GOOD = """\
[primary]
label = "george"

[[account]]
name = "side-project"
display_name = "Side project"
account_id = "444455556666"
role_name = "admin"
color = "#2e7d32"

[[account]]
name = "back"
display_name = "Back office"
account_id = "555566667777"
role_name = "admin"
color = "#1565c0"
"""


Clock = FixedClock


class RecordingSurface:
    """Records what the tray would show; tests wait on the real event, a notification sent."""

    def __init__(self) -> None:
        self.notes: list[tuple[str, str]] = []
        self.refreshes = 0
        self.stopped = False
        self.changed = threading.Condition()

    def refresh(self) -> None:
        self.refreshes += 1

    def notify(self, title: str, message: str) -> None:
        with self.changed:
            self.notes.append((title, message))
            self.changed.notify_all()

    def stop(self) -> None:
        self.stopped = True

    def wait_note(self, count: int) -> tuple[str, str]:
        """Block until the ``count``-th notification was sent; return it."""
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.notes) >= count, timeout=20):
                raise AssertionError(f"no notification number {count}; sent: {self.notes}")
            return self.notes[count - 1]


World = tuple[TrayController, RecordingSurface, Clock, Path, Fakes]


def tray_on(config_path: Path, fakes: Fakes, state: Path, autostart: bool = False) -> TrayController:
    """A controller on the fake Environment: recorded browser and editor, in-memory clipboard, fixed clock."""
    env = fakes.env()
    store = StateStore(state)
    return TrayController(
        config_path, lambda config: App(config, lambda *_: None, env, MemoryCache(), store), env, autostart
    )


@pytest.fixture
def world(tmp_path: Path) -> World:
    config_path = tmp_path / "config.toml"
    config_path.write_text(GOOD)
    fakes = Fakes()
    controller = tray_on(config_path, fakes, tmp_path / "state.json")
    surface = RecordingSurface()
    controller.surface = surface
    return controller, surface, fakes.clock, config_path, fakes


def act(controller: TrayController, surface: RecordingSurface, action: Action) -> tuple[str, str]:
    """Dispatch a menu action and wait for the notification that says what it did."""
    count = len(surface.notes) + 1
    controller.dispatch(action)
    return surface.wait_note(count)


def opened_urls(fakes: Fakes) -> list[str]:
    """The URLs the browser was given; the action's notification comes after, so no wait is needed."""
    return fakes.browser.urls


class FakeProvider:
    """Role sessions without AWS: the unit layer of "copy credentials" (moto covers the real one)."""

    def __init__(self, clock: Clock, minutes: int = 60) -> None:
        self.clock = clock
        self.minutes = minutes

    def credentials(self, account: Account) -> CachedSession:
        until = self.clock() + timedelta(minutes=self.minutes)
        return CachedSession(
            account=account.name,
            role_arn=account.role_arn,
            credentials=RoleCredentials(
                "ASIAFAKE", "secret-key", "token", until.strftime("%Y-%m-%dT%H:%M:%SZ")
            ),
        )


def with_fake_credentials(controller: TrayController, clock: Clock) -> None:
    controller.app._provider = FakeProvider(clock)  # type: ignore[assignment]


def test_open_makes_the_console_account_then_its_session_ends(world: World) -> None:
    controller, surface, clock, _, opened = world
    assert controller.icon_spec() == IconSpec()
    assert controller.tooltip() == "trayapp: primary session (george)"

    note = act(controller, surface, OpenConsole("side-project", "switch-role"))
    assert note == ("Side project", "Opened the console for Side project (switch-role).")
    assert opened_urls(opened)[0].startswith(
        "https://signin.aws.amazon.com/switchrole?account=444455556666&roleName=admin"
    )
    assert controller.icon_spec() == IconSpec(color="2e7d32", label="Side project")
    assert controller.tooltip() == "trayapp: Side project, 1 h left"

    clock.now += timedelta(minutes=56)
    controller.tick()
    controller.tick()
    warnings = [n for n in surface.notes if "ends in" in n[1]]
    assert warnings == [("Side project", "The console session for Side project ends in 4 min.")]

    clock.now += timedelta(minutes=5)
    controller.tick()
    assert controller.icon_spec() == IconSpec()
    assert controller.tooltip().startswith("trayapp: primary session")


def test_copied_credentials_never_repaint_the_icon_and_end_on_their_own(world: World) -> None:
    controller, surface, clock, _, fakes = world
    with_fake_credentials(controller, clock)
    act(controller, surface, OpenConsole("side-project", "switch-role"))
    clock.now += timedelta(minutes=20)  # the console has 40 min left; credentials get 60
    note = act(controller, surface, CopyCredentials("back", "sh"))
    assert note[1].startswith("Credentials for Back office copied, valid until")
    assert "ASIAFAKE" in fakes.clipboard.text
    assert fakes.clipboard.clear_later_calls[0][1] == controller.config.settings.clipboard_clear_seconds
    assert controller.icon_spec() == IconSpec(color="2e7d32", label="Side project", terminal=True)
    menu = render_text(controller.menu())
    assert "Console: 🟢 Side project · 40 min left [disabled]" in menu
    assert "Terminal: 🔵 Back office · 60 min left [disabled]" in menu.replace("1 h left", "60 min left")

    clock.now += timedelta(minutes=41)  # the console session ended; the credentials live on
    controller.tick()
    assert controller.icon_spec() == IconSpec(terminal=True)
    assert "Terminal: 🔵 Back office · 19 min left" in render_text(controller.menu())
    assert ("Back office", "The terminal credentials for Back office end in 4 min.") not in surface.notes

    clock.now += timedelta(minutes=15)
    controller.tick()
    assert ("Back office", "The terminal credentials for Back office end in 4 min.") in surface.notes
    clock.now += timedelta(minutes=5)
    controller.tick()
    assert controller.icon_spec() == IconSpec()
    assert "Terminal:" not in render_text(controller.menu())


def test_back_to_primary_signs_out_once_then_leaves_the_browser_alone(world: World) -> None:
    controller, surface, _, _, opened = world
    act(controller, surface, OpenConsole("side-project", "switch-role"))
    note = act(controller, surface, Command.BACK)
    assert note == ("Back to primary", "Signed out; sign in as george.")
    assert controller.icon_spec() == IconSpec()
    assert controller.app.state().console is None
    assert "oauth?Action=logout" in opened_urls(opened)[1]

    note = act(controller, surface, Command.BACK)
    assert note == ("Back to primary", "Already in the primary session; the browser was left as it is.")
    assert len(opened_urls(opened)) == 2


def test_an_account_named_back_is_an_account_like_any_other(world: World) -> None:
    controller, surface, _, _, opened = world
    release = threading.Event()
    assert controller.background(Command.BACK, lambda: (release.wait(5), None)[1])
    assert "(working…)" not in render_text(controller.menu())  # Back to primary busy: no account is
    note = act(controller, surface, OpenConsole("back", "switch-role"))  # not dropped as "already running"
    assert note == ("Back office", "Opened the console for Back office (switch-role).")
    assert "account=555566667777" in opened_urls(opened)[0]
    release.set()
    assert controller.icon_spec().label == "Back office"


def test_two_quick_clicks_start_one_piece_of_work(world: World) -> None:
    controller, surface, _, _, _ = world
    release = threading.Event()
    runs: list[int] = []

    def work() -> tuple[str, str]:
        runs.append(1)
        release.wait(5)
        return ("Side project", "done")

    assert controller.background(AccountKey("side-project"), work) is True
    assert controller.background(AccountKey("side-project"), work) is False
    assert controller.icon_spec().busy
    assert "🟢 Side project  (working…)" in render_text(controller.menu())
    release.set()
    surface.wait_note(1)
    assert runs == [1]
    assert not controller.icon_spec().busy


def test_broken_edit_keeps_last_good_accounts_and_says_why(world: World) -> None:
    controller, surface, _, config_path, _ = world
    good_text = config_path.read_text()
    config_path.write_text(good_text.replace('account_id = "444455556666"', 'account_id = "4444"'))
    controller.config_mtime = None  # as if the file had changed on disk
    controller.tick()
    assert [a.name for a in controller.config.accounts] == ["side-project", "back"]
    assert controller.problem and "line 7: account 'side-project'.account_id" in controller.problem
    assert surface.notes[-1][0] == "Config problem, keeping the last good accounts"
    problem = next(e for e in controller.menu() if e.label.startswith("⚠ Config problem"))
    assert problem.children[0].label.startswith("line 7: account 'side-project'.account_id: ")
    assert problem.children[-1].action is Command.EDIT
    assert controller.icon_spec().warning  # the problem stays visible after its notification

    config_path.write_text(good_text.replace('name = "side-project"', 'name = "renamed"'))
    controller.config_mtime = None
    controller.tick()
    assert controller.problem is None and not controller.icon_spec().warning
    assert [a.name for a in controller.config.accounts] == ["renamed", "back"]


def test_a_problem_without_a_key_prints_no_empty_key() -> None:
    from trayapp.core.errors import Problem
    from trayapp.tray.controller import problem_lines

    lines = problem_lines(
        [Problem(Path("c.toml"), 13, "", "not valid TOML"), Problem(Path("c.toml"), None, "x", "y")]
    )
    assert lines == ("line 13: not valid TOML", "x: y")


def test_errors_become_one_notification_and_the_tray_keeps_running(world: World) -> None:
    controller, surface, _, _, _ = world
    # No AWS credentials anywhere in the isolated HOME: copying credentials must fail politely.
    title, message = act(controller, surface, CopyCredentials("side-project", "sh"))
    assert title == "Side project"  # the account the failed action was for
    assert message.startswith("No AWS credentials found for the primary IAM user")
    assert controller.icon_spec() == IconSpec()


def test_quit_stops_the_surface(world: World) -> None:
    controller, surface, _, _, _ = world
    controller.dispatch(Command.QUIT)
    assert surface.stopped


def test_add_account_from_the_link_on_the_clipboard(world: World) -> None:
    controller, surface, _, config_path, fakes = world
    link = "https://signin.aws.amazon.com/switchrole?account=123456789012&roleName=dev&displayName=Dev%20box"
    fakes.clipboard.copy(link)
    note = act(controller, surface, Command.ADD_LINK)
    assert [a.name for a in controller.config.accounts] == ["side-project", "back", "dev-box"]
    assert note == ("Account added", "Dev box was added to your accounts.")
    assert link in config_path.read_text()

    # Another role in an account that already has a group lands in that group.
    grouped = config_path.read_text().replace(
        'color = "#2e7d32"\n', 'color = "#2e7d32"\ngroup = "Personal"\n', 1
    )
    config_path.write_text(grouped)
    controller.reload(announce=False)
    other = "https://signin.aws.amazon.com/switchrole?account=444455556666&roleName=readonly&displayName=Side%20RO"
    fakes.clipboard.copy(other)
    assert act(controller, surface, Command.ADD_LINK) == (
        "Account added",
        "Side RO was added to your accounts in Personal.",
    )
    assert controller.app.account_named("side-ro").group == "Personal"  # type: ignore[union-attr]

    assert fakes.groups_asked == []  # each time trayapp could tell (no groups yet, then the account's own)

    # A new account id while groups exist: the user is asked, offered the groups there are.
    fakes.group_answer = "Personal"
    third = "https://signin.aws.amazon.com/switchrole?account=210987654321&roleName=ops&displayName=Lab"
    fakes.clipboard.copy(third)
    assert act(controller, surface, Command.ADD_LINK) == (
        "Account added",
        "Lab was added to your accounts in Personal.",
    )
    assert fakes.groups_asked == [("Lab", ["Personal"])]
    fakes.group_answer = None  # "No group", Escape, or no dialog at all
    fourth = third.replace("210987654321", "210987650000").replace("displayName=Lab", "displayName=Lab%20dev")
    fakes.clipboard.copy(fourth)
    assert act(controller, surface, Command.ADD_LINK) == (
        "Account added",
        "Lab dev was added to your accounts.",
    )
    fakes.clipboard.copy(fourth)  # already there: add_link says so, nobody is asked
    asked = len(fakes.groups_asked)
    assert act(controller, surface, Command.ADD_LINK)[0] != "Account added"
    assert len(fakes.groups_asked) == asked

    fakes.clipboard.copy("hello")
    message = act(controller, surface, Command.ADD_LINK)[1]
    assert message.startswith("Not a switch-role link: expected a link such as https://signin.aws")
    words = message.lower().replace(":", " ").split()
    assert words.count("switch-role") == 1, message  # the reason never repeats the headline


def test_cancelled_mfa_prompt_says_nothing_was_done(world: World) -> None:
    from trayapp.core.sessions import Cancelled

    controller, surface, _, _, _ = world

    def cancel() -> None:
        raise Cancelled("MFA prompt cancelled; nothing was done")

    controller.background(AccountKey("side-project"), cancel, "Side project")
    assert surface.wait_note(1) == ("Side project", "MFA prompt cancelled; nothing was done")


def test_edit_creates_the_config_from_the_template_and_opens_it(tmp_path: Path) -> None:
    from trayapp.core.config import CONFIG_TEMPLATE

    path = tmp_path / "fresh" / "config.toml"
    fakes = Fakes()
    controller = tray_on(path, fakes, tmp_path / "state.json")
    controller.edit()  # what the worker runs for Command.EDIT
    assert fakes.editor.opened == [(path, False)]  # the tray never waits for the editor
    assert path.read_text() == CONFIG_TEMPLATE


def test_edit_says_which_file_and_why_when_no_editor_opens(tmp_path: Path) -> None:
    from trayapp.platforms.editor import EditorError

    path = tmp_path / "config.toml"
    surface = RecordingSurface()
    fakes = Fakes()

    class BrokenEditor:
        def open(self, where: Path, foreground: bool) -> list[str]:
            raise EditorError(f"could not open an editor for {where}: xdg-open exited with status 3")

    fakes.editor = BrokenEditor()  # type: ignore[assignment]
    controller = tray_on(path, fakes, tmp_path / "s.json")
    controller.surface = surface
    controller.dispatch(Command.EDIT)
    assert surface.wait_note(1) == (
        "Edit accounts",
        f"Could not open an editor for {path}: xdg-open exited with status 3",
    )


def test_one_mfa_prompt_at_a_time() -> None:
    from trayapp.tray.controller import SerialPrompt

    inside, most = [0], [0]
    lock = threading.Lock()

    def slow_prompt(serial: str, account: Account, problem: str | None) -> str:
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.05)
        with lock:
            inside[0] -= 1
        return "123456"

    prompt = SerialPrompt(lambda: slow_prompt)
    account = Account(name="a", display_name="A", account_id="123456789012", role_name="r")
    threads = [threading.Thread(target=prompt, args=("serial", account, None)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1


def test_a_result_is_announced_after_the_busy_badge_is_gone(world: World) -> None:
    """The notification carries the icon as it now is (account colour), not the busy one."""
    controller, surface, _, _, _ = world
    seen: list[IconSpec] = []
    notify = surface.notify

    def record(title: str, message: str) -> None:
        seen.append(controller.icon_spec())
        notify(title, message)

    surface.notify = record  # type: ignore[method-assign]
    act(controller, surface, OpenConsole("side-project", "switch-role"))
    assert seen == [IconSpec(color="2e7d32", label="Side project")]


def test_a_damaged_state_file_is_set_aside_and_said_once(world: World) -> None:
    controller, surface, _, _, _ = world
    state = controller.app.store.path
    state.write_text('{"console": {"account": 5, "mode": "x", "until": []}}')
    controller.tick()
    controller.tick()
    said = [n for n in surface.notes if "damaged" in n[1]]
    assert len(said) == 1 and str(state) in said[0][1] and "state.json.bad" in said[0][1]
    assert state.with_name("state.json.bad").exists() and not state.exists()
    assert controller.icon_spec() == IconSpec()


def test_start_at_login_is_the_environments_and_the_menu_shows_it(tmp_path: Path) -> None:
    config_path = tmp_path / "config.toml"
    config_path.write_text(GOOD)
    fakes = Fakes()
    controller = tray_on(config_path, fakes, tmp_path / "state.json", autostart=True)
    assert "Start at login [ ]" in render_text(controller.menu())
    controller.toggle_autostart()  # what the worker runs for Command.AUTOSTART
    assert fakes.autostart.on and "Start at login [x]" in render_text(controller.menu())
    controller.toggle_autostart()
    assert not fakes.autostart.on and "Start at login [ ]" in render_text(controller.menu())
    lone = tray_on(config_path, Fakes(), tmp_path / "other.json")  # the lone switcher offers no toggle
    assert "Start at login" not in render_text(lone.menu())
