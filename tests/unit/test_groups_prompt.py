"""The group prompt for a new account: which dialog, what comes back, nothing that breaks the config."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from trayapp.platforms.groups import NO_GROUP, ask_group, group_dialog_argv, valid_group


def fake_dialog(folder: Path, name: str, answer: str, exit_code: int = 0) -> Path:
    """A dialog tool stand-in on PATH that records its arguments and answers on stdout."""
    log = folder / f"{name}-args.txt"
    script = folder / name
    script.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$@" > "{log}"\nprintf "%s\\n" \'{answer}\'\nexit {exit_code}\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return log


@pytest.fixture
def on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH holds only the fakes, so no real dialog tool is found."""
    monkeypatch.setenv("PATH", str(tmp_path))  # the fakes run /bin/sh by their #! line
    return tmp_path


def test_a_picked_or_typed_group_comes_back_and_groups_are_offered(on_path: Path) -> None:
    log = fake_dialog(on_path, "zenity", "Personal")
    assert ask_group("Sandbox", ["Work", "Personal"]) == "Personal"
    args = log.read_text().splitlines()
    assert "--text=Put Sandbox in a group?" in args and args[-2:] == ["Work", "Personal"]


def test_cancel_no_group_and_an_invalid_answer_mean_no_group(on_path: Path) -> None:
    fake_dialog(on_path, "zenity", "", exit_code=1)
    assert ask_group("Sandbox", ["Work"]) is None
    fake_dialog(on_path, "zenity", NO_GROUP)
    assert ask_group("Sandbox", ["Work"]) is None
    fake_dialog(on_path, "zenity", "x" * 65)  # longer than the config allows: never written
    assert ask_group("Sandbox", ["Work"]) is None


def test_kdialog_offers_no_group_first(on_path: Path) -> None:
    log = fake_dialog(on_path, "kdialog", "Work")
    assert ask_group("Sandbox", ["Work"]) == "Work"
    args = log.read_text().splitlines()
    assert args[args.index("--combobox") + 2 : args.index("--combobox") + 4] == [NO_GROUP, "Work"]


def test_a_group_that_looks_like_an_option_is_never_passed_to_a_dialog_tool(on_path: Path) -> None:
    fake_dialog(on_path, "zenity", "x")
    argv = group_dialog_argv("Sandbox", ["Work", "--display=:9", "-x"])
    assert argv[0] == "zenity" and "--display=:9" not in argv and "-x" not in argv and "Work" in argv


def test_without_zenity_or_kdialog_our_own_tk_dialog_is_used(on_path: Path) -> None:
    argv = group_dialog_argv("Sandbox", ["Work", "-x"])
    assert argv[1:3] == ["-m", "trayapp.platforms.group_dialog"]
    assert argv[3:] == ["Put Sandbox in a group?", "Work", "-x"]  # after -m MODULE: plain arguments


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Work", "Work"),
        ("  Team A ", "Team A"),
        ("", None),
        ("a\nb", None),
        ("x" * 64, "x" * 64),
        ("x" * 65, None),
    ],
)
def test_valid_group_is_what_the_config_accepts(typed: str, kept: str | None) -> None:
    assert valid_group(typed) == kept
