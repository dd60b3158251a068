"""The one place trayapp touches the outside world: environ, streams, clock and platform services.

Built once by :meth:`Environment.from_system` (in ``cli.main`` and ``tray.run.run_tray``) and
passed down; tests pass a fake one (httpie's ``Environment``). Every service is a small Protocol,
and the real ones import their platform module only when first used, so building this is cheap.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from trayapp.core.sessions import MfaPrompt
    from trayapp.platforms.autostart import Autostart


class Browser(Protocol):
    """Opens URLs; blocking (a secret URL waits for its loopback hand-off): call from a worker."""

    def open_url(self, url: str, template: str | None = None) -> None: ...

    def open_secret_url(self, url: str, template: str | None = None) -> None: ...


class Clipboard(Protocol):
    """The desktop's clipboard; every call may run a helper process (blocking)."""

    def copy(self, text: str) -> None: ...

    def paste(self) -> str: ...

    def clear_if_holds(self, fingerprint: str) -> bool: ...

    def clear_later(self, fingerprint: str, seconds: int) -> None: ...


class Editor(Protocol):
    """Opens a file for the user; ``foreground`` waits in the caller's terminal (the command line)."""

    def open(self, path: Path, foreground: bool) -> list[str]: ...


class Notifier(Protocol):
    """Desktop popups with our app name; False when none could be shown (the tray falls back)."""

    def notify(self, title: str, message: str, icon_path: str = "") -> bool: ...


def utc_now() -> datetime:
    """The real clock (aware, UTC)."""
    from trayapp.core.clock import utc_now as now

    return now()


@dataclass(frozen=True)
class Environment:
    """What trayapp may reach outside itself; nothing below the builder reads os.environ."""

    environ: Mapping[str, str]
    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    clock: Callable[[], datetime]
    browser: Browser
    clipboard: Clipboard
    editor: Editor
    autostart: Callable[[], Autostart]  # the OS's start-at-login entry, looked up when asked for
    notifier: Callable[[], Notifier | None]  # None off freedesktop desktops
    mfa_prompt: Callable[[str | None], MfaPrompt]  # the prompt for an --mfa-code (or None) here
    dialog_prompt: Callable[[], MfaPrompt]  # the tray's: a small dialog process
    run_child: Callable[[Sequence[str], Mapping[str, str]], int]  # exec's child: its exit status
    ask_group: Callable[[str, Sequence[str]], str | None]  # a new account's group, asked in a dialog

    @classmethod
    def from_system(cls) -> Environment:
        """The real world of this process; call it once, at the entry point."""
        import os

        environ = os.environ
        return cls(
            environ=environ,
            stdin=sys.stdin,
            stdout=sys.stdout,
            stderr=sys.stderr,
            clock=utc_now,
            browser=_SystemBrowser(),
            clipboard=_SystemClipboard(environ),
            editor=_SystemEditor(environ),
            autostart=lambda: _autostart(environ),
            notifier=_notifier,
            mfa_prompt=lambda code: _mfa_prompt(code, sys.stdin, sys.stderr),
            dialog_prompt=_dialog_prompt,
            run_child=_run_child,
            ask_group=_ask_group,
        )


class _SystemBrowser:
    def open_url(self, url: str, template: str | None = None) -> None:
        from trayapp.platforms import browser

        browser.open_url(url, template)

    def open_secret_url(self, url: str, template: str | None = None) -> None:
        from trayapp.platforms import browser

        browser.open_secret_url(url, template)


class _SystemClipboard:
    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ

    def _real(self) -> Clipboard:
        from trayapp.platforms.clipboard import DesktopClipboard

        return DesktopClipboard(sys.platform, self.environ)

    def copy(self, text: str) -> None:
        self._real().copy(text)

    def paste(self) -> str:
        return self._real().paste()

    def clear_if_holds(self, fingerprint: str) -> bool:
        return self._real().clear_if_holds(fingerprint)

    def clear_later(self, fingerprint: str, seconds: int) -> None:
        self._real().clear_later(fingerprint, seconds)


class _SystemEditor:
    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ

    def open(self, path: Path, foreground: bool) -> list[str]:
        from trayapp.platforms.editor import open_in_editor

        return open_in_editor(path, self.environ, foreground=foreground)


def _autostart(environ: Mapping[str, str]) -> Autostart:
    from trayapp.platforms.autostart import for_this_platform

    return for_this_platform(environ)


def _notifier() -> Notifier | None:
    from trayapp.platforms.notify import dbus_notifier

    return dbus_notifier()


def _mfa_prompt(code: str | None, stdin: TextIO, stderr: TextIO) -> MfaPrompt:
    from trayapp.platforms.prompts import choose_prompt

    return choose_prompt(code, stdin.isatty(), stderr)


def _dialog_prompt() -> MfaPrompt:
    from trayapp.platforms.prompts import DialogPrompt

    return DialogPrompt()


def _run_child(argv: Sequence[str], env: Mapping[str, str]) -> int:
    from trayapp.platforms.child import run_child

    return run_child(argv, env)


def _ask_group(display_name: str, groups: Sequence[str]) -> str | None:
    from trayapp.platforms.groups import ask_group

    return ask_group(display_name, groups)
