"""The tray menu as plain data: a pure function of the app's state, testable without a screen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import lru_cache

from trayapp.core.colors import swatch
from trayapp.core.console import default_mode, switch_role_blocker
from trayapp.core.display import one_line
from trayapp.core.model import CREDENTIAL_FORMATS, Account, Config, ConsoleMode
from trayapp.core.state import State, where

LABEL_MAX = 60
NO_COLOR = (
    "○"  # an account without a colour: a plain ring every font has (an empty "◻" read as a missing glyph)
)
FLAT_LIMIT = 25  # a group (or the ungrouped accounts) larger than this is split into alphabetical submenus
FORMAT_NAMES = {
    "sh": "bash / zsh",
    "fish": "fish",
    "powershell": "PowerShell",
    "cmd": "Windows cmd",
    "dotenv": ".env file",
    "json": "JSON",
    "credential-process": "credential_process JSON",
}

TERMINAL_LINES = 3  # terminal lines in the header; more are summed up in one line


class Command(Enum):
    """The tray's own actions: values of their own type, so no account name can be taken for one."""

    SWITCH = "switch"
    BACK = "back"
    ADD_LINK = "add-link"
    EDIT = "edit"
    RELOAD = "reload"
    AUTOSTART = "autostart"
    QUIT = "quit"


@dataclass(frozen=True, slots=True)
class OpenConsole:
    account: str
    mode: ConsoleMode


@dataclass(frozen=True, slots=True)
class CopyCredentials:
    account: str
    fmt: str


@dataclass(frozen=True, slots=True)
class CopyLink:
    account: str


@dataclass(frozen=True, slots=True)
class Forget:
    account: str


AccountAction = OpenConsole | CopyCredentials | CopyLink | Forget
Action = Command | AccountAction


@dataclass(slots=True)  # not frozen: a frozen init costs 5x, and a menu of 1,000 accounts has ~15,000 lines
class Entry:
    """One menu line: an action, a submenu, a disabled note, a checkbox or a separator; never changed once made."""

    label: str = ""
    action: Action | None = None
    children: tuple[Entry, ...] = ()
    enabled: bool = True
    default: bool = False
    checked: bool | None = None
    separator: bool = False
    swatch: tuple[str, str] | None = None  # (colour or "", label without its emoji): for menus with images


SEPARATOR = Entry(separator=True)


@dataclass(frozen=True, slots=True)
class MenuView:
    """Everything the menu depends on."""

    config: Config
    state: State
    now: datetime
    primary_label: str = "primary"
    busy: frozenset[str] = frozenset()  # names of the accounts being worked on
    problems: tuple[str, ...] = ()  # the config's problems, in full
    autostart: bool | None = None
    recent_limit: int = 5


def clean(text: str, limit: int = LABEL_MAX) -> str:
    """A label safe to show: no control or bidi characters, one line, at most ``limit`` characters."""
    text = one_line(text)  # core.display: controls, line separators, bidi and invisible marks
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
    return f"{swatch(account.color) or NO_COLOR} {bare_label(account, busy)}"


def bare_label(account: Account, busy: bool = False) -> str:
    return clean(account.display_name) + ("  (working…)" if busy else "")


def account_entries(view: MenuView, account: Account) -> tuple[Entry, ...]:
    """What one account offers; items that cannot work are disabled and say why."""
    blocker = switch_role_blocker(account)  # typed reasons: never read back from the sentence
    default = default_mode(view.config.primary.console, account)
    other: ConsoleMode = "signed" if default == "switch-role" else "switch-role"
    name = account.name
    fmt = view.config.settings.credential_format

    def open_entry(mode: ConsoleMode, is_default: bool) -> Entry:
        text = "Open console" if mode == "switch-role" else "Open console (signed sign-in)"
        if mode == "switch-role" and blocker:
            return Entry(f"{text}: unavailable, {blocker.words}", enabled=False)
        if mode == "switch-role":
            text = "Open console (switch role)"
        return Entry(text, OpenConsole(name, mode), default=is_default)

    return (
        Entry(clean(f"{account.account_id} · {account.role_name}", 80), enabled=False),
        open_entry(default, True),
        open_entry(other, False),
        SEPARATOR,
        Entry(f"Copy credentials ({FORMAT_NAMES.get(fmt, fmt)})", CopyCredentials(name, fmt)),
        Entry("Copy credentials as", children=copy_as(name, fmt)),
        Entry(
            "Copy console link" if not blocker else "Copy console link: unavailable",
            CopyLink(name),
            enabled=not blocker,
        ),
        Entry("Forget cached session", Forget(name)),
    )


@lru_cache(maxsize=4096)
def copy_as(name: str, fmt: str) -> tuple[Entry, ...]:
    """The other formats' items: the same for every build while the account and the default format are.

    Kept between builds (the tray builds its menu on every tick to see what changed): they are half
    of an account's items.
    """
    return tuple(Entry(FORMAT_NAMES[f], CopyCredentials(name, f)) for f in CREDENTIAL_FORMATS if f != fmt)


def account_entry(view: MenuView, account: Account) -> Entry:
    busy = account.name in view.busy
    return Entry(
        account_label(account, busy),
        children=account_entries(view, account),
        swatch=(account.color or "", bare_label(account, busy)),
    )


def header(view: MenuView) -> tuple[Entry, ...]:
    """Who you are, where the console is, which terminal credentials live, what is wrong."""
    now = where(view.config, view.state, view.now)
    lines = [Entry(clean(f"trayapp · {view.primary_label}"), enabled=False)]
    if now.console and now.console_until:
        left = time_left(now.console_until, view.now)
        lines.append(Entry(f"Console: {account_label(now.console)} · {left} left", enabled=False))
    else:
        lines.append(Entry("Console: primary session", enabled=False))
    for account, until in now.terminal[:TERMINAL_LINES]:
        lines.append(
            Entry(f"Terminal: {account_label(account)} · {time_left(until, view.now)} left", enabled=False)
        )
    if len(now.terminal) > TERMINAL_LINES:
        lines.append(Entry(f"Terminal: {len(now.terminal) - TERMINAL_LINES} more accounts", enabled=False))
    if view.problems:
        lines.append(problems_entry(view.problems))
    return tuple(lines)


def problems_entry(problems: Sequence[str]) -> Entry:
    """The config's problems stay in the menu after their notification is gone, in full."""
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return Entry(
        clean(f"⚠ Config problem: {problems[0]}{more}", 90),
        children=(
            *(Entry(clean(p, 160), enabled=False) for p in problems),
            SEPARATOR,
            Entry("Edit accounts…", Command.EDIT),
        ),
    )


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
        Entry(clean(f"{group} ({len(members)})"), children=tuple(chunked(view, members)))
        for group, members in groups.items()
    ]
    entries += chunked(view, loose)
    return tuple(entries)


def chunked(view: MenuView, accounts: Sequence[Account]) -> list[Entry]:
    """Accounts flat while few, else in alphabetical submenus of at most about FLAT_LIMIT each."""
    if len(accounts) <= FLAT_LIMIT:
        return [account_entry(view, a) for a in accounts]
    ordered = sorted(accounts, key=lambda a: a.display_name.casefold())
    return [
        Entry(label, children=tuple(account_entry(view, a) for a in chunk))
        for label, chunk in alphabetical_chunks(ordered)
    ]


def alphabetical_chunks(ordered: Sequence[Account], depth: int = 1) -> list[tuple[str, list[Account]]]:
    """Sorted accounts cut only between different name prefixes, so chunks never overlap.

    Names are bucketed by their first ``depth`` letters; neighbouring buckets share a chunk while
    it stays within FLAT_LIMIT; a bucket too big alone is cut again by one more letter. Labels name
    the first and last prefix of a chunk ("A" to "C", "Pa" to "Pe", "Prod…").
    """
    buckets: dict[str, list[Account]] = {}
    for account in ordered:
        buckets.setdefault(account.display_name.casefold()[:depth], []).append(account)
    chunks: list[tuple[str, list[Account]]] = []
    run: list[tuple[str, list[Account]]] = []

    def close_run() -> None:
        if run:
            chunks.append((prefix_label(run[0][0], run[-1][0]), [a for _, members in run for a in members]))
            run.clear()

    for key, members in buckets.items():
        if len(members) > FLAT_LIMIT:
            close_run()
            if all(len(a.display_name.casefold()) <= depth for a in members):  # one name many times over
                chunks += [
                    (f"{prefix_label(key, key)} {n + 1}", members[i : i + FLAT_LIMIT])
                    for n, i in enumerate(range(0, len(members), FLAT_LIMIT))
                ]
            else:
                chunks += alphabetical_chunks(members, depth + 1)
            continue
        if sum(len(m) for _, m in run) + len(members) > FLAT_LIMIT:
            close_run()
        run.append((key, members))
    close_run()
    return chunks


def prefix_label(first: str, last: str) -> str:
    first, last = clean(first[:1].upper() + first[1:], 20), clean(last[:1].upper() + last[1:], 20)
    return f"{first}–{last}" if first != last else f"{first}…"


def recent_section(view: MenuView) -> tuple[Entry, ...]:
    """The last accounts used, less those the top level already lists right below."""
    by_name = {a.name: a for a in view.config.accounts}
    loose = [a for a in view.config.accounts if not a.group]
    shown = {a.name for a in loose} if len(loose) <= FLAT_LIMIT else set()
    recent = [by_name[n] for n in view.state.recent if n in by_name and n not in shown][: view.recent_limit]
    if not recent:
        return ()
    return (Entry("Recent", enabled=False), *(account_entry(view, a) for a in recent), SEPARATOR)


def build_menu(view: MenuView) -> tuple[Entry, ...]:
    """The whole tray menu, top to bottom."""
    autostart = (
        Entry("Start at login", Command.AUTOSTART, checked=view.autostart)
        if view.autostart is not None
        else None
    )
    tail = [
        Entry("Back to primary", Command.BACK),
        Entry("Add account from switch-role link", Command.ADD_LINK),
        Entry("Edit accounts…", Command.EDIT),
        Entry("Reload", Command.RELOAD),
    ]
    if autostart:
        tail.append(autostart)
    tail.append(Entry("Quit", Command.QUIT))
    return (
        *header(view),
        SEPARATOR,
        Entry("Switch account…", Command.SWITCH, default=True),  # a left click on the icon where hosts allow
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
