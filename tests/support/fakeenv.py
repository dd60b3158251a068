"""A fake Environment: recorded browser, in-memory clipboard, captured streams, a fixed clock.

For in-process tests of the command line, the App and the tray controller; the subprocess
tests (real browser command, xclip, the real AWS CLI) stay as the end-to-end layer.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from trayapp.core.clipmark import fingerprint
from trayapp.core.sessions import MfaPrompt
from trayapp.environment import Environment
from trayapp.platforms.autostart import Autostart
from trayapp.platforms.prompts import choose_prompt

START = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


class FixedClock:
    """Time stands still until a test moves it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class FakeBrowser:
    """Records every URL it was asked to open; ``secret`` marks the ones given as secrets."""

    def __init__(self) -> None:
        self.opened: list[tuple[str, str | None, bool]] = []  # url, template, secret
        self.urls: list[str] = []
        self.changed = threading.Condition()

    def open_url(self, url: str, template: str | None = None) -> None:
        self._record(url, template, False)

    def open_secret_url(self, url: str, template: str | None = None) -> None:
        self._record(url, template, True)

    def _record(self, url: str, template: str | None, secret: bool) -> None:
        with self.changed:
            self.opened.append((url, template, secret))
            self.urls.append(url)
            self.changed.notify_all()


class FakeClipboard:
    """One in-memory clipboard; clear_later only records what it would clear."""

    def __init__(self, text: str = "") -> None:
        self.text = text
        self.clear_later_calls: list[tuple[str, int]] = []

    def copy(self, text: str) -> None:
        self.text = text

    def paste(self) -> str:
        return self.text

    def clear_if_holds(self, mark: str) -> bool:
        if fingerprint(self.text) != mark:
            return False
        self.text = ""
        return True

    def clear_later(self, mark: str, seconds: int) -> None:
        self.clear_later_calls.append((mark, seconds))


class FakeEditor:
    """Records the files it opened; ``edit`` (if set) changes the file as a user would."""

    def __init__(self) -> None:
        self.opened: list[tuple[Path, bool]] = []
        self.edit: str | None = None

    def open(self, path: Path, foreground: bool) -> list[str]:
        self.opened.append((path, foreground))
        if self.edit is not None:
            path.write_text(self.edit, encoding="utf-8")
        return ["fake-editor", str(path)]


@dataclass
class FakeAutostart:
    """Start at login as a flag."""

    on: bool = False

    def enabled(self) -> bool:
        return self.on

    def enable(self) -> None:
        self.on = True

    def disable(self) -> None:
        self.on = False


@dataclass
class Fakes:
    """The fake services, kept at hand so a test can read what they saw."""

    browser: FakeBrowser = field(default_factory=FakeBrowser)
    clipboard: FakeClipboard = field(default_factory=FakeClipboard)
    editor: FakeEditor = field(default_factory=FakeEditor)
    autostart: FakeAutostart = field(default_factory=FakeAutostart)
    clock: FixedClock = field(default_factory=FixedClock)
    children: list[tuple[list[str], dict[str, str]]] = field(default_factory=list)
    stdin: io.StringIO = field(default_factory=io.StringIO)
    stdout: io.StringIO = field(default_factory=io.StringIO)
    stderr: io.StringIO = field(default_factory=io.StringIO)
    group_answer: str | None = None  # what the user picks when asked for a new account's group
    groups_asked: list[tuple[str, list[str]]] = field(default_factory=list)

    def env(self, environ: Mapping[str, str] | None = None, prompt: MfaPrompt | None = None) -> Environment:
        """An Environment made of these fakes; ``prompt`` answers MFA (default: --mfa-code, else none)."""

        def mfa_prompt(code: str | None) -> MfaPrompt:
            if prompt is not None:
                return prompt
            return choose_prompt(code, interactive=False) if code else no_prompt

        def run_child(argv: Sequence[str], env: Mapping[str, str]) -> int:
            self.children.append((list(argv), dict(env)))
            return 0

        return Environment(
            environ=dict(environ or {}),
            stdin=self.stdin,
            stdout=self.stdout,
            stderr=self.stderr,
            clock=self.clock,
            browser=self.browser,
            clipboard=self.clipboard,
            editor=self.editor,
            autostart=lambda: self.autostart_entry(),
            notifier=lambda: None,
            mfa_prompt=mfa_prompt,
            dialog_prompt=lambda: no_prompt,
            run_child=run_child,
            ask_group=self.ask_group,
        )

    def ask_group(self, display_name: str, groups: Sequence[str]) -> str | None:
        self.groups_asked.append((display_name, list(groups)))
        return self.group_answer

    def autostart_entry(self) -> Autostart:
        return self.autostart


def no_prompt(serial: str, account: object, problem: str | None) -> str | None:
    """An MFA prompt the user cancels."""
    return None
