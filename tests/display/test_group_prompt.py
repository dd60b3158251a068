"""Our dialogs on a real X server: the group prompt (zenity's editable combo box, our Tk dialog) and the Tk MFA prompt."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from support.desktop import Desktop

from trayapp.platforms.groups import ask_group


def ask_in_background(display_name: str, groups: list[str]) -> tuple[threading.Event, list[str | None]]:
    done, answer = threading.Event(), []

    def run() -> None:
        answer.append(ask_group(display_name, groups))
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return done, answer


@pytest.fixture
def on_desktop(desktop: Desktop, monkeypatch: pytest.MonkeyPatch) -> Desktop:
    for key, value in desktop.env.items():
        monkeypatch.setenv(key, value)
    return desktop


def test_zenity_offers_the_groups_and_returns_the_one_typed(on_desktop: Desktop) -> None:
    if not shutil.which("zenity"):
        pytest.fail("zenity is in tests/debian-packages.txt")
    desktop = on_desktop
    done, answer = ask_in_background("Sandbox", ["Work", "Personal"])
    desktop.wait_for(lambda: desktop.windows_named("^trayapp$"), message="zenity's window")
    desktop.screenshot("zenity-group.png")
    desktop.type_text("Personal")
    desktop.key("Return")
    assert done.wait(20)
    assert answer == ["Personal"]


def test_our_tk_dialog_returns_the_group_typed_and_escape_means_none(
    on_desktop: Desktop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    desktop = on_desktop
    monkeypatch.setenv("PATH", str(tmp_path))  # no zenity, no kdialog: our own dialog
    done, answer = ask_in_background("Sandbox", ["Work"])
    desktop.wait_for(lambda: desktop.windows_named("^trayapp: group$"), message="the Tk dialog")
    desktop.screenshot("tk-group.png")
    desktop.type_text("Team A")
    desktop.key("Return")
    assert done.wait(20)
    assert answer == ["Team A"]

    done, answer = ask_in_background("Sandbox", ["Work"])
    desktop.wait_for(lambda: desktop.windows_named("^trayapp: group$"), message="the Tk dialog again")
    desktop.key("Escape")
    assert done.wait(20)
    assert answer == [None]


def test_our_tk_mfa_dialog_hides_the_code_and_returns_it(
    on_desktop: Desktop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trayapp.core.model import Account
    from trayapp.platforms.prompts import DialogPrompt

    desktop = on_desktop
    monkeypatch.setenv("PATH", str(tmp_path))  # no zenity, no kdialog: our own dialog
    account = Account(name="prod", display_name="Production", account_id="777788889999", role_name="admin")
    done, answer = threading.Event(), []

    def run() -> None:
        answer.append(DialogPrompt()("arn:aws:iam::111122223333:mfa/george", account, None))
        done.set()

    threading.Thread(target=run, daemon=True).start()
    desktop.wait_for(lambda: desktop.windows_named("^trayapp$"), message="the Tk MFA dialog")
    desktop.type_text("123456")
    desktop.screenshot("tk-mfa.png")
    desktop.key("Return")
    assert done.wait(20)
    assert answer == ["123456"]
