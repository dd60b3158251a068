"""Where the user is, remembered between runs: the console's account, terminal credentials, recents.

Two kinds of "where" are kept apart, each with its own end:

- the console: the account the browser was last sent to (switch-role or signed) and when that
  console session ends; it alone decides the icon, the tooltip and the menu header;
- terminal credentials: the accounts whose credentials trayapp handed out (copy, ``creds``,
  ``exec``, ``credential_process``), each with the expiry of those credentials.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from trayapp.core.clock import parse_expiration
from trayapp.core.clock import stamp as stamp
from trayapp.core.files import atomic_write, ensure_private_dir
from trayapp.core.model import Account, Config

log = logging.getLogger(__name__)

RECENT_LIMIT = 5
TERMINAL_LIMIT = 50  # a guard against a state file that grows without end

# How long a console session lasts, by the way the browser got there.
# Switch role: one hour (IAM User Guide, "Switch from a user to an IAM role (console)", "Role
# sessions": "When you switch roles, your AWS Management Console session lasts for 1 hour by default").
SWITCH_ROLE_CONSOLE = timedelta(hours=1)
# Signed (federation endpoint): the SessionDuration sent with getSigninToken (900..43200 s), else
# one hour (IAM User Guide, "Methods to assume a role": a console URL built with AssumeRole lasts
# SessionDuration, 15 min..12 h, default 1 h).
SIGNED_CONSOLE_DEFAULT = timedelta(hours=1)
# Federated primary (GetFederationToken): SessionDuration may not be sent; the console session lasts
# as long as the federation token, which trayapp asks for 12 hours (STS API reference,
# GetFederationToken: 900..129600 s, default 43200 s).
FEDERATED_CONSOLE = timedelta(hours=12)


@dataclass(frozen=True)
class Console:
    """The account the browser was last sent to, how, and when that console session ends."""

    account: str
    mode: str  # "switch-role" | "signed"
    until: str  # RFC 3339 UTC


@dataclass(frozen=True)
class State:
    """Plain data, no secrets: names, times and a clipboard fingerprint.

    ``console`` None means the browser is in the primary session as far as trayapp knows.
    """

    console: Console | None = None
    terminal: tuple[tuple[str, str], ...] = ()  # (account name, credentials' expiry), newest first
    recent: tuple[str, ...] = ()
    clipboard: str | None = None  # sha256 of credentials trayapp copied, to clear them only if still there

    def opened(self, account: str, mode: str, until: str) -> State:
        """The browser was sent to ``account``: it is the console's account until ``until``."""
        return replace(self, console=Console(account, mode, until), recent=self._recent(account))

    def handed_out(self, account: str, until: str) -> State:
        """Credentials for ``account`` reached a terminal; they last until ``until``."""
        terminal = ((account, until), *[t for t in self.terminal if t[0] != account])[:TERMINAL_LIMIT]
        return replace(self, terminal=terminal, recent=self._recent(account))

    def back_to_primary(self) -> State:
        """The browser is back in the primary session; terminal credentials stay valid."""
        return replace(self, console=None, clipboard=None)

    def forgot(self, account: str | None) -> State:
        """Cached sessions dropped (one account's or all): their terminal lines go."""
        terminal = tuple(t for t in self.terminal if account is not None and t[0] != account)
        return replace(self, terminal=terminal)

    def console_at(self, now: datetime) -> Console | None:
        """The console's account while its session lasts, else None (the icon is neutral)."""
        if self.console and parse_expiration(self.console.until) > now:
            return self.console
        return None

    def terminal_at(self, now: datetime) -> tuple[tuple[str, datetime], ...]:
        """Terminal credentials still valid now, newest first."""
        live = ((name, parse_expiration(until)) for name, until in self.terminal)
        return tuple((name, until) for name, until in live if until > now)

    def _recent(self, account: str) -> tuple[str, ...]:
        return (account, *[n for n in self.recent if n != account])[:RECENT_LIMIT]


@dataclass(frozen=True)
class Where:
    """The state resolved against the config: accounts, not names, and only what is still valid."""

    console: Account | None = None
    console_until: datetime | None = None
    console_mode: str | None = None
    terminal: tuple[tuple[Account, datetime], ...] = ()


def account_named(config: Config, name: str | None) -> Account | None:
    """The config's account called ``name`` (the one lookup the app, controller and menu share)."""
    return next((a for a in config.accounts if a.name == name), None) if name else None


def where(config: Config, state: State, now: datetime) -> Where:
    """What the icon, tooltip and menu show: the console's account and the live terminal credentials."""
    console = state.console_at(now)
    account = account_named(config, console.account) if console else None
    terminal = tuple(
        (found, until)
        for name, until in state.terminal_at(now)
        if (found := account_named(config, name)) is not None
    )
    if console is None or account is None:
        return Where(terminal=terminal)
    return Where(account, parse_expiration(console.until), console.mode, terminal)


# -- the file ---------------------------------------------------------------------------------


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _time(value: object) -> str:
    parse_expiration(_text(value))  # ValueError for anything but an RFC 3339 time with a zone
    return _text(value)


def parse_state(data: Any) -> State:
    """A State from decoded JSON; ValueError/TypeError when any part has the wrong shape."""
    if not isinstance(data, dict):
        raise TypeError("not an object")
    console = data.get("console")
    if "active" in data and "console" not in data:  # the format before consoles and terminals
        active, until = data.get("active"), data.get("active_until")
        console = {"account": active, "mode": "switch-role", "until": until} if active and until else None
    if console is not None:
        if not isinstance(console, dict):
            raise TypeError("console is not an object")
        console = Console(_text(console["account"]), _text(console["mode"]), _time(console["until"]))
    terminal = data.get("terminal", [])
    recent = data.get("recent", [])
    clipboard = data.get("clipboard")
    if not isinstance(terminal, list) or not isinstance(recent, list):
        raise TypeError("terminal or recent is not a list")
    return State(
        console=console,
        terminal=tuple((_text(t[0]), _time(t[1])) for t in terminal)[:TERMINAL_LIMIT],
        recent=tuple(_text(n) for n in recent)[:RECENT_LIMIT],
        clipboard=None if clipboard is None else _text(clipboard),
    )


def dump_state(state: State) -> str:
    console = state.console
    return json.dumps(
        {
            "console": None
            if console is None
            else {"account": console.account, "mode": console.mode, "until": console.until},
            "terminal": [list(t) for t in state.terminal],
            "recent": list(state.recent),
            "clipboard": state.clipboard,
        },
        indent=1,
    )


UNREADABLE = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError)  # a damaged file


@dataclass
class StateStore:
    """``<user state dir>/trayapp/state.json``, written atomically under a lock.

    A file that cannot be understood is set aside (renamed ``state.json.bad``) with one sentence in
    ``problem``, and trayapp starts from an empty state: it never keeps the tray from starting.
    """

    path: Path
    cached: State = field(default_factory=State)
    problem: str | None = None

    @classmethod
    def default(cls) -> StateStore:
        from trayapp.core.places import state_file

        return cls(state_file())

    def load(self) -> State:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            self.cached = State()
            return self.cached
        except OSError as exc:
            self._report(f"cannot read {self.path} ({exc.strerror}); starting from an empty state")
            self.cached = State()
            return self.cached
        try:
            self.cached = parse_state(json.loads(raw))
        except UNREADABLE as exc:
            self.cached = State()
            self._set_aside(type(exc).__name__)
        return self.cached

    def peek(self) -> State | None:
        """The file's state as a start would read it, changing nothing; None when it cannot be read."""
        try:
            return parse_state(json.loads(self.path.read_bytes()))
        except FileNotFoundError:
            return State()
        except (OSError, *UNREADABLE):
            return None

    def save(self, state: State) -> State:
        ensure_private_dir(self.path.parent)
        atomic_write(self.path, dump_state(state))
        self.cached = state
        return state

    def update(self, change: Callable[[State], State]) -> State:
        """Read, change and write the state under one lock, so two processes never lose an update."""
        with self.locked():
            return self.save(change(self.load()))

    @contextmanager
    def locked(self) -> Iterator[None]:
        from filelock import FileLock

        ensure_private_dir(self.path.parent)
        with FileLock(str(self.path.with_name(self.path.name + ".lock")), timeout=10):
            yield

    def _set_aside(self, reason: str) -> None:
        aside = self.path.with_name(self.path.name + ".bad")
        try:
            self.path.replace(aside)
        except OSError:
            self._report(
                f"{self.path} is damaged ({reason}) and cannot be moved; starting from an empty state"
            )
            return
        self._report(
            f"{self.path} was damaged ({reason}); set aside as {aside.name}, starting from an empty state"
        )

    def _report(self, sentence: str) -> None:
        log.warning("%s", sentence)
        self.problem = sentence
