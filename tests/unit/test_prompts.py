"""MFA prompts: --mfa-code, the dialog tool in its own process, and which one is chosen."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import cast

import pytest

from trayapp.core.errors import UsageError
from trayapp.core.model import Account
from trayapp.core.stserrors import CodeProblem
from trayapp.platforms.prompts import CodeOption, DialogPrompt, TerminalPrompt, choose_prompt, dialog_argv

ACCOUNT = Account(name="prod", display_name="Production", account_id="777788889999", role_name="admin")
SERIAL = "arn:aws:iam::111122223333:mfa/george"


def fake_zenity(folder: Path, answer: str, exit_code: int = 0) -> Path:
    """A zenity stand-in on PATH that records its arguments and answers like zenity does."""
    log = folder / "zenity-args.txt"
    script = folder / "zenity"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{log}"\necho \'{answer}\'\nexit {exit_code}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return log


@pytest.fixture
def on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    return tmp_path


def test_dialog_returns_what_the_user_typed_and_shows_the_reason(on_path: Path) -> None:
    log = fake_zenity(on_path, "123456")
    code = DialogPrompt()(SERIAL, ACCOUNT, CodeProblem.REJECTED)
    assert code == "123456"
    args = log.read_text()
    assert "--hide-text" in args
    assert str(CodeProblem.REJECTED) in args and "MFA code for Production" in args and SERIAL in args
    assert "123456" not in args  # the code travels on stdout, never on a command line


def test_dialog_cancel_is_none(on_path: Path) -> None:
    fake_zenity(on_path, "", exit_code=1)
    assert DialogPrompt()(SERIAL, ACCOUNT, None) is None


def test_dialog_prefers_zenity_and_falls_back_to_our_tk_dialog(
    on_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_zenity(on_path, "1")
    assert dialog_argv("x")[0] == "zenity"
    monkeypatch.setenv("PATH", str(on_path / "empty"))
    argv = dialog_argv("x")
    assert argv[1:3] == ["-m", "trayapp.platforms.mfa_dialog"]


def test_code_option_is_single_use() -> None:
    prompt = CodeOption("654321")
    assert prompt(SERIAL, ACCOUNT, None) == "654321"
    with pytest.raises(UsageError, match="--mfa-code was not accepted"):
        prompt(SERIAL, ACCOUNT, CodeProblem.REJECTED)


def test_code_option_decides_on_the_member_never_on_its_wording() -> None:
    prompt = CodeOption("12")
    for problem, why in (
        (CodeProblem.MALFORMED, "it is not 6 digits"),
        (CodeProblem.REJECTED, "wrong, expired or already used"),
    ):
        with pytest.raises(UsageError, match=re.escape(f"({why})")):
            prompt(SERIAL, ACCOUNT, problem)
    # A sentence that happens to say "6 digits" is not the typed reason: reworded text changes nothing.
    with pytest.raises(UsageError, match=re.escape("(wrong, expired or already used)")):
        prompt(SERIAL, ACCOUNT, cast(CodeProblem, "That code was refused; enter the next 6 digits."))


def test_choice_of_prompt() -> None:
    assert isinstance(choose_prompt("123456", interactive=True), CodeOption)
    assert isinstance(choose_prompt(None, interactive=True), TerminalPrompt)
    assert isinstance(choose_prompt(None, interactive=False), DialogPrompt)


def test_dialog_that_cannot_open_is_an_error_not_a_cancel(
    on_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trayapp.core.errors import TrayappError

    monkeypatch.setenv("PATH", str(on_path / "empty"))  # no zenity or kdialog: our Tk dialog
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(TrayappError, match=r"could not show the MFA prompt .*--mfa-code"):
        DialogPrompt()(SERIAL, ACCOUNT, None)
