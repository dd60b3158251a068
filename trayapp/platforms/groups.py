"""Which group a new account goes in, asked in a small dialog process when trayapp cannot tell."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence

NO_GROUP = "(no group)"
DIALOG_TIMEOUT = 300
GROUP_MAX = 64  # config.py's limit for `group`


def valid_group(text: str) -> str | None:
    """The group as the config accepts it (1 to 64 printable characters), else None: never a broken config."""
    text = text.strip()
    if not text or text == NO_GROUP or len(text) > GROUP_MAX or not text.isprintable():
        return None
    return text


def group_dialog_argv(display_name: str, groups: Sequence[str]) -> list[str]:
    """The first dialog tool present: each offers the groups there are, zenity and ours also a new one."""
    text = f"Put {display_name} in a group?"
    listed = [g for g in groups if not g.startswith("-")]  # never read as an option by zenity or kdialog
    choices = [NO_GROUP, *listed]
    if sys.platform == "darwin":
        items = ", ".join(_applescript(c) for c in choices)
        script = f'choose from list {{{items}}} with title "trayapp" with prompt {_applescript(text)}'
        return ["osascript", "-e", script]
    if shutil.which("zenity"):  # --entry with choices: an editable combo box
        return ["zenity", "--entry", "--title=trayapp", f"--text={text}", "--entry-text=", *listed]
    if shutil.which("kdialog"):
        return ["kdialog", "--title", "trayapp", "--combobox", text, *choices, "--default", NO_GROUP]
    return [sys.executable, "-m", "trayapp.platforms.group_dialog", text, *groups]


def ask_group(display_name: str, groups: Sequence[str]) -> str | None:
    """The group the user picked or typed; None for no group, a cancel, or no dialog at all.

    Blocks until answered: call it from a worker thread, never the tray's UI thread.
    """
    try:
        done = subprocess.run(
            group_dialog_argv(display_name, groups),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=DIALOG_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None  # the account is added without a group; the notification says where it went
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines or lines[-1].strip() == "false":  # osascript's cancel
        return None
    return valid_group(lines[-1])


def _applescript(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
