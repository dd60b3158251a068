"""MFA prompts behind one interface, chosen once: --mfa-code, a terminal, or a small dialog process."""

from __future__ import annotations

import getpass
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from trayapp.core.errors import TrayappError, UsageError
from trayapp.core.model import Account
from trayapp.core.stserrors import CodeProblem

if TYPE_CHECKING:  # the AWS engine is not needed to ask for a code
    from trayapp.core.sessions import MfaPrompt

DIALOG_TIMEOUT = 300
NO_PROMPT_HINT = "pass --mfa-code, or run the command in a terminal"


class CodeOption:
    """The code given with --mfa-code: single-use, so a rejection is final."""

    def __init__(self, code: str):
        self.code = code

    def __call__(self, serial: str, account: Account, problem: CodeProblem | None) -> str | None:
        if problem:
            why = (
                "it is not 6 digits" if problem is CodeProblem.MALFORMED else "wrong, expired or already used"
            )
            raise UsageError(
                f"the MFA code given with --mfa-code was not accepted ({why}); run again with a new code"
            )
        return self.code


class TerminalPrompt:
    """Asks on the terminal without echo; Ctrl-C or end of input cancels."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr

    def __call__(self, serial: str, account: Account, problem: CodeProblem | None) -> str | None:
        if problem:
            print(problem, file=self.stream)
        try:
            return getpass.getpass(f"MFA code for {account.display_name} ({serial}): ", stream=self.stream)
        except (EOFError, KeyboardInterrupt):
            print(file=self.stream)
            return None


class DialogPrompt:
    """A small dialog in its own process (zenity, kdialog, osascript, else our Tk dialog).

    Blocks until the user answers: call it from a worker thread, never the tray's UI thread.
    The code comes back on the dialog's stdout, never through a command line.
    """

    def __call__(self, serial: str, account: Account, problem: CodeProblem | None) -> str | None:
        text = f"MFA code for {account.display_name}\n({serial})"
        if problem:
            text = f"{problem}\n\n{text}"
        argv = dialog_argv(text)
        try:
            done = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=DIALOG_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return None
        except OSError as exc:
            raise TrayappError(f"could not show the MFA prompt ({exc.strerror}); {NO_PROMPT_HINT}") from None
        answer = done.stdout.strip().splitlines()
        if done.returncode == 0 and answer:
            return answer[-1].strip()
        if done.returncode == 1 and "display" not in done.stderr.lower():
            return None  # the user cancelled
        raise TrayappError(f"could not show the MFA prompt ({Path(argv[0]).name} failed); {NO_PROMPT_HINT}")


def dialog_argv(text: str) -> list[str]:
    """The first dialog tool present on this machine."""
    if sys.platform == "darwin":
        script = (
            f'display dialog {_applescript(text)} default answer "" with hidden answer '
            'with title "trayapp" buttons {"Cancel", "OK"} default button "OK"\n'
            "text returned of result"
        )
        return ["osascript", "-e", script]
    if shutil.which("zenity"):
        return ["zenity", "--entry", "--hide-text", "--title=trayapp", f"--text={text}"]
    if shutil.which("kdialog"):
        return ["kdialog", "--title", "trayapp", "--password", text]
    return [sys.executable, "-m", "trayapp.platforms.mfa_dialog", text]


def _applescript(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def choose_prompt(mfa_code: str | None, interactive: bool, stream: TextIO | None = None) -> MfaPrompt:
    """--mfa-code for scripts, the terminal when stdin is one, else a dialog."""
    if mfa_code is not None:
        return CodeOption(mfa_code)
    return TerminalPrompt(stream) if interactive else DialogPrompt()
