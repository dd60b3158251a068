"""Our dialogs on a real X server: the group prompt (zenity's editable combo box, our Tk dialog) and the Tk MFA prompt."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from support.desktop import Desktop

from trayapp.core.model import Account
from trayapp.platforms.groups import ask_group
from trayapp.platforms.prompts import DialogPrompt


def answer_dialog(
    desktop: Desktop, ask: Callable[[], str | None], window: str, typed: str, key: str, shot: str
) -> str | None:
    """Run ``ask`` (it blocks on a dialog process) beside the test, type into the dialog, press ``key``."""
    done, answer = threading.Event(), []

    def run() -> None:
        answer.append(ask())
        done.set()

    threading.Thread(target=run, daemon=True).start()
    desktop.wait_for(lambda: desktop.windows_named(window), message=f"the dialog {window}")
    if typed:
        desktop.type_text(typed)
    desktop.screenshot(shot)
    desktop.key(key)
    assert done.wait(20), "the dialog process did not end"
    return answer[0]


@pytest.fixture
def on_desktop(desktop: Desktop, monkeypatch: pytest.MonkeyPatch) -> Desktop:
    for key, value in desktop.env.items():
        monkeypatch.setenv(key, value)
    return desktop


def test_zenity_offers_the_groups_and_returns_the_one_typed(on_desktop: Desktop) -> None:
    if not shutil.which("zenity"):
        pytest.fail("zenity is in tests/debian-packages.txt")
    ask = partial(ask_group, "Sandbox", ["Work", "Personal"])
    assert answer_dialog(on_desktop, ask, "^trayapp$", "Personal", "Return", "zenity-group.png") == "Personal"


def test_our_tk_dialog_returns_the_group_typed_and_escape_means_none(
    on_desktop: Desktop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no zenity, no kdialog: our own dialog
    ask = partial(ask_group, "Sandbox", ["Work"])
    assert answer_dialog(on_desktop, ask, "^trayapp: group$", "Team A", "Return", "tk-group.png") == "Team A"
    assert answer_dialog(on_desktop, ask, "^trayapp: group$", "", "Escape", "tk-group-escape.png") is None


def test_our_tk_mfa_dialog_hides_the_code_and_returns_it(
    on_desktop: Desktop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no zenity, no kdialog: our own dialog
    account = Account(name="prod", display_name="Production", account_id="777788889999", role_name="admin")
    ask = partial(DialogPrompt(), "arn:aws:iam::111122223333:mfa/george", account, None)
    assert answer_dialog(on_desktop, ask, "^trayapp$", "123456", "Return", "tk-mfa.png") == "123456"
