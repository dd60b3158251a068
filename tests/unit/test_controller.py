"""The tray's state machine without a screen: active, expiring, expired, back to primary, config edits."""

from __future__ import annotations

import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from trayapp.app import App
from trayapp.core.cache import MemoryCache
from trayapp.core.model import Config
from trayapp.core.state import StateStore
from trayapp.tray.controller import IconSpec, TrayController

GOOD = """\
[primary]
label = "george"

[settings]
browser = "{python} {recorder} {{url}}"

[[account]]
name = "side-project"
display_name = "Side project"
account_id = "444455556666"
role_name = "admin"
color = "#2e7d32"
"""


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class RecordingSurface:
    def __init__(self) -> None:
        self.notes: list[tuple[str, str]] = []
        self.refreshes = 0
        self.stopped = False

    def refresh(self) -> None:
        self.refreshes += 1

    def notify(self, title: str, message: str) -> None:
        self.notes.append((title, message))

    def stop(self) -> None:
        self.stopped = True


@pytest.fixture
def world(tmp_path: Path) -> tuple[TrayController, RecordingSurface, Clock, Path, Path]:
    recorder = tmp_path / "record.py"
    opened = tmp_path / "opened.txt"
    recorder.write_text(f"import sys\nopen({str(opened)!r}, 'a').write(sys.argv[1] + '\\n')\n")
    config_path = tmp_path / "config.toml"
    config_path.write_text(GOOD.format(python=sys.executable, recorder=recorder))
    clock = Clock()
    store = StateStore(tmp_path / "state.json")

    def make_app(config: Config) -> App:
        return App(
            config,
            prompt=lambda *_: None,
            cache=MemoryCache(),
            store=store,
            clock=clock,
            clear_later=lambda *_: None,
        )

    controller = TrayController(config_path, make_app, clock=clock)
    surface = RecordingSurface()
    controller.surface = surface
    return controller, surface, clock, config_path, opened


def settle(controller: TrayController) -> None:
    deadline = time.monotonic() + 20
    while controller.busy and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not controller.busy, "worker did not finish"


def opened_urls(opened: Path, count: int) -> list[str]:
    """The URLs the browser command received; it runs detached, so wait for it."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        lines = opened.read_text().splitlines() if opened.exists() else []
        if len(lines) >= count:
            return lines
        time.sleep(0.05)
    raise AssertionError(f"the browser got fewer than {count} URLs")


def test_open_makes_the_account_active_then_it_expires(world) -> None:  # type: ignore[no-untyped-def]
    controller, surface, clock, _, opened = world
    assert controller.icon_spec() == IconSpec()
    assert controller.tooltip() == "trayapp: primary session (george)"

    controller.dispatch(("open", "side-project", "switch-role"))
    settle(controller)
    assert opened_urls(opened, 1)[0].startswith(
        "https://signin.aws.amazon.com/switchrole?account=444455556666&roleName=admin"
    )
    assert controller.icon_spec() == IconSpec(color="2e7d32", label="Side project")
    assert controller.tooltip() == "trayapp: Side project, 1 h left"
    assert surface.notes[-1] == ("Side project", "Opened the console for Side project (switch-role).")

    clock.now += timedelta(minutes=56)
    controller.tick()
    controller.tick()
    warnings = [n for n in surface.notes if "ends in" in n[1]]
    assert warnings == [("Side project", "The session for Side project ends in 4 min.")]

    clock.now += timedelta(minutes=5)
    controller.tick()
    assert controller.icon_spec() == IconSpec()
    assert controller.tooltip().startswith("trayapp: primary session")


def test_back_to_primary_resets_icon_and_state(world) -> None:  # type: ignore[no-untyped-def]
    controller, surface, _, _, opened = world
    controller.dispatch(("open", "side-project", "switch-role"))
    settle(controller)
    controller.dispatch(("back",))
    settle(controller)
    assert controller.icon_spec() == IconSpec()
    assert controller.app.state().active is None
    assert "oauth?Action=logout" in opened_urls(opened, 2)[1]
    assert surface.notes[-1][0] == "Back to primary"


def test_two_quick_clicks_start_one_piece_of_work(world) -> None:  # type: ignore[no-untyped-def]
    controller, _, _, _, _ = world
    release = threading.Event()
    runs: list[int] = []

    def work() -> None:
        runs.append(1)
        release.wait(5)

    assert controller.background("side-project", work) is True
    assert controller.background("side-project", work) is False
    assert controller.icon_spec().busy
    release.set()
    settle(controller)
    assert runs == [1]
    assert not controller.icon_spec().busy


def test_broken_edit_keeps_last_good_accounts_and_says_why(world) -> None:  # type: ignore[no-untyped-def]
    controller, surface, _, config_path, _ = world
    good_text = config_path.read_text()
    config_path.write_text(good_text.replace('account_id = "444455556666"', 'account_id = "4444"'))
    controller.config_mtime = None  # as if the file had changed on disk
    controller.tick()
    assert [a.name for a in controller.config.accounts] == ["side-project"]
    assert controller.problem and "line 10: account[1].account_id" in controller.problem
    assert surface.notes[-1][0] == "Config problem, keeping the last good accounts"
    assert any(e.label.startswith("⚠ Config problem") for e in controller.menu())

    config_path.write_text(good_text.replace('name = "side-project"', 'name = "renamed"'))
    controller.config_mtime = None
    controller.tick()
    assert controller.problem is None
    assert [a.name for a in controller.config.accounts] == ["renamed"]


def test_errors_become_one_notification_and_the_tray_keeps_running(world) -> None:  # type: ignore[no-untyped-def]
    controller, surface, _, _, _ = world
    # No AWS credentials anywhere in the isolated HOME: copying credentials must fail politely.
    controller.dispatch(("copy", "side-project", "sh"))
    settle(controller)
    title, message = surface.notes[-1]
    assert title == "Side project"  # the account the failed action was for
    assert message.startswith("No AWS credentials found for the primary IAM user")
    assert controller.icon_spec() == IconSpec()


def test_quit_stops_the_surface(world) -> None:  # type: ignore[no-untyped-def]
    controller, surface, _, _, _ = world
    controller.dispatch(("quit",))
    assert surface.stopped


def test_add_account_from_the_link_on_the_clipboard(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from trayapp.platforms import clipboard

    controller, surface, _, config_path, _ = world
    link = "https://signin.aws.amazon.com/switchrole?account=123456789012&roleName=dev&displayName=Dev%20box"
    monkeypatch.setattr(clipboard, "paste", lambda: link)
    controller.dispatch(("add-link",))
    settle(controller)
    assert [a.name for a in controller.config.accounts] == ["side-project", "dev-box"]
    assert surface.notes[-1] == ("Account added", "dev-box was added to your accounts.")
    assert link in config_path.read_text()

    monkeypatch.setattr(clipboard, "paste", lambda: "hello")
    controller.dispatch(("add-link",))
    settle(controller)
    assert surface.notes[-1][1].startswith("Not a switch-role link")


def test_cancelled_mfa_prompt_says_nothing_was_done(world) -> None:  # type: ignore[no-untyped-def]
    from trayapp.core.sessions import Cancelled

    controller, surface, _, _, _ = world

    def cancel() -> None:
        raise Cancelled("MFA prompt cancelled; nothing was done")

    controller.background("side-project", cancel, "Side project")
    settle(controller)
    assert surface.notes[-1] == ("Side project", "MFA prompt cancelled; nothing was done")


def test_edit_creates_the_config_from_the_template_and_opens_it(tmp_path: Path) -> None:
    from trayapp.core.config import CONFIG_TEMPLATE

    opened: list[Path] = []
    path = tmp_path / "fresh" / "config.toml"
    store = StateStore(tmp_path / "state.json")
    controller = TrayController(
        path, lambda c: App(c, prompt=lambda *_: None, cache=MemoryCache(), store=store), opener=opened.append
    )
    controller.dispatch(("edit",))
    settle(controller)
    assert opened == [path]
    assert path.read_text() == CONFIG_TEMPLATE


def test_one_mfa_prompt_at_a_time() -> None:
    from trayapp.core.model import Account
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

    prompt = SerialPrompt(slow_prompt)
    account = Account(name="a", display_name="A", account_id="123456789012", role_name="r")
    threads = [threading.Thread(target=prompt, args=("serial", account, None)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1


def test_a_result_is_announced_after_the_busy_badge_is_gone(world) -> None:  # type: ignore[no-untyped-def]
    """The notification carries the icon as it now is (account colour), not the busy one."""
    controller, surface, _, _, _ = world
    seen: list[IconSpec] = []
    notify = surface.notify

    def record(title: str, message: str) -> None:
        seen.append(controller.icon_spec())
        notify(title, message)

    surface.notify = record
    controller.dispatch(("open", "side-project", "switch-role"))
    settle(controller)
    assert seen == [IconSpec(color="2e7d32", label="Side project")]
