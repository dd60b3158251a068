"""The tray menu as plain data: a pure function of the app's state, testable without a screen."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from trayapp.core.colors import swatch
from trayapp.core.console import default_mode, switch_role_problem
from trayapp.core.display import one_line
from trayapp.core.model import CREDENTIAL_FORMATS, Account, Config
from trayapp.core.state import State

LABEL_MAX = 60
FLAT_LIMIT = 25  # more ungrouped accounts than this are split into alphabetical submenus
UNSAFE = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]+")
FORMAT_NAMES = {
    "sh": "bash / zsh",
    "fish": "fish",
    "powershell": "PowerShell",
    "cmd": "Windows cmd",
    "dotenv": ".env file",
    "json": "JSON",
    "credential-process": "credential_process JSON",
}

Action = tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    """One menu line: an action, a submenu, a disabled note, a checkbox or a separator."""

    label: str = ""
    action: Action | None = None
    children: tuple[Entry, ...] = ()
    enabled: bool = True
    default: bool = False
    checked: bool | None = None
    separator: bool = False


SEPARATOR = Entry(separator=True)


@dataclass(frozen=True)
class MenuView:
    """Everything the menu depends on."""

    config: Config
    state: State
    now: datetime
    primary_label: str = "primary"
    busy: frozenset[str] = frozenset()
    problem: str | None = None
    autostart: bool | None = None
    recent_limit: int = 5


def clean(text: str, limit: int = LABEL_MAX) -> str:
    """A label safe to show: no control or bidi characters, one line, at most ``limit`` characters."""
    text = one_line(UNSAFE.sub(" ", text))  # core.display.one_line: C1, U+2028/2029 and bidi marks too
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def time_left(until: datetime, now: datetime) -> str:
    """ "42 min", "1 h", "2 h 5 min", "expired"."""
    minutes = int((until - now).total_seconds() // 60)
    if minutes < 0:
        return "expired"
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def account_label(account: Account, busy: bool = False) -> str:
    mark = swatch(account.color) or "◻"
    return f"{mark} {clean(account.display_name)}" + ("  (working…)" if busy else "")


def account_entries(view: MenuView, account: Account) -> tuple[Entry, ...]:
    """What one account offers; items that cannot work are disabled and say why."""
    problem = switch_role_problem(account)
    default = default_mode(view.config.primary.console, account)
    other = "signed" if default == "switch-role" else "switch-role"
    name = account.name
    fmt = view.config.settings.credential_format

    def open_entry(mode: str, is_default: bool) -> Entry:
        text = "Open console" if mode == "switch-role" else "Open console (signed sign-in)"
        if mode == "switch-role" and problem:
            return Entry(f"{text}: unavailable, {short_reason(problem)}", enabled=False)
        if mode == "switch-role":
            text = "Open console (switch role)"
        return Entry(text, ("open", name, mode), default=is_default)

    return (
        open_entry(default, True),
        open_entry(other, False),
        SEPARATOR,
        Entry(f"Copy credentials ({FORMAT_NAMES.get(fmt, fmt)})", ("copy", name, fmt)),
        Entry(
            "Copy credentials as",
            children=tuple(Entry(FORMAT_NAMES[f], ("copy", name, f)) for f in CREDENTIAL_FORMATS if f != fmt),
        ),
        Entry(
            "Copy console link" if not problem else "Copy console link: unavailable",
            ("link", name),
            enabled=not problem,
        ),
        Entry("Forget cached session", ("forget", name)),
    )


def short_reason(problem: str) -> str:
    return "needs an external id" if "external id" in problem else "role path too long"


def account_entry(view: MenuView, account: Account) -> Entry:
    return Entry(
        account_label(account, account.name in view.busy),
        children=account_entries(view, account),
    )


def header(view: MenuView) -> tuple[Entry, ...]:
    lines = [Entry(clean(f"trayapp · {view.primary_label}"), enabled=False)]
    active = view.state.active_at(view.now)
    account = next((a for a in view.config.accounts if a.name == active), None)
    if account:
        left = ""
        if view.state.active_until:
            from trayapp.core.cache import parse_expiration

            left = f" · {time_left(parse_expiration(view.state.active_until), view.now)} left"
        lines.append(Entry(f"Active: {account_label(account)}{left}", enabled=False))
    else:
        lines.append(Entry("Active: primary session", enabled=False))
    if view.problem:
        lines.append(Entry(clean(f"⚠ Config problem: {view.problem}", 90), ("edit",)))
    return tuple(lines)


def account_section(view: MenuView) -> tuple[Entry, ...]:
    """Grouped accounts in submenus (in config order), then the ungrouped ones."""
    accounts = view.config.accounts
    if not accounts:
        return (Entry("No accounts yet: Edit accounts… or add from a link", enabled=False),)
    groups: dict[str, list[Account]] = {}
    loose: list[Account] = []
    for account in accounts:
        if account.group:
            groups.setdefault(account.group, []).append(account)
        else:
            loose.append(account)
    entries = [
        Entry(clean(f"{group} ({len(members)})"), children=tuple(account_entry(view, a) for a in members))
        for group, members in groups.items()
    ]
    entries += chunked(view, loose)
    return tuple(entries)


def chunked(view: MenuView, accounts: Sequence[Account]) -> list[Entry]:
    """Ungrouped accounts flat while few, else in alphabetical submenus of about FLAT_LIMIT."""
    if len(accounts) <= FLAT_LIMIT:
        return [account_entry(view, a) for a in accounts]
    ordered = sorted(accounts, key=lambda a: a.display_name.casefold())
    chunks = [ordered[i : i + FLAT_LIMIT] for i in range(0, len(ordered), FLAT_LIMIT)]
    return [
        Entry(
            f"{c[0].display_name[:1].upper()}–{c[-1].display_name[:1].upper()}",
            children=tuple(account_entry(view, a) for a in c),
        )
        for c in chunks
    ]


def recent_section(view: MenuView) -> tuple[Entry, ...]:
    by_name = {a.name: a for a in view.config.accounts}
    recent = [by_name[n] for n in view.state.recent if n in by_name][: view.recent_limit]
    if not recent:
        return ()
    return (Entry("Recent", enabled=False), *(account_entry(view, a) for a in recent), SEPARATOR)


def build_menu(view: MenuView) -> tuple[Entry, ...]:
    """The whole tray menu, top to bottom."""
    autostart = (
        Entry("Start at login", ("autostart",), checked=view.autostart)
        if view.autostart is not None
        else None
    )
    tail = [
        Entry("Back to primary", ("back",)),
        Entry("Add account from switch-role link", ("add-link",)),
        Entry("Edit accounts…", ("edit",)),
        Entry("Reload", ("reload",)),
    ]
    if autostart:
        tail.append(autostart)
    tail.append(Entry("Quit", ("quit",)))
    return (
        *header(view),
        SEPARATOR,
        *recent_section(view),
        *account_section(view),
        SEPARATOR,
        *tail,
    )


def render_text(entries: Sequence[Entry], depth: int = 0) -> str:
    """The menu as indented text, for tests and ``--debug``."""
    lines = []
    for entry in entries:
        if entry.separator:
            lines.append("  " * depth + "----")
            continue
        flags = "".join(
            [
                " [default]" if entry.default else "",
                " [disabled]" if not entry.enabled else "",
                f" [{'x' if entry.checked else ' '}]" if entry.checked is not None else "",
            ]
        )
        lines.append("  " * depth + entry.label + flags)
        if entry.children:
            lines.append(render_text(entry.children, depth + 1))
    return "\n".join(lines)
