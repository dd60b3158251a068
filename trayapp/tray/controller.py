"""What the tray does, without pystray: dispatch menu actions to workers, track state, notify.

Threads: menu callbacks arrive on the UI thread and only call ``dispatch``; anything that may
block (STS, MFA prompts, sign-in, the clipboard, the browser) runs on a worker. Results reach the
screen only through ``Surface.refresh`` / ``Surface.notify``, which the surface makes UI-safe.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from trayapp.app import App
from trayapp.core.config import load_config
from trayapp.core.errors import ConfigError, Problem, TrayappError
from trayapp.core.files import atomic_write, ensure_private_dir
from trayapp.core.model import Account, Config
from trayapp.core.state import Where, where
from trayapp.tray.firstpaint import IconSpec as IconSpec
from trayapp.tray.firstpaint import file_marks, memory_path, memory_text, picture_inputs
from trayapp.tray.menu import (
    AccountAction,
    Action,
    Command,
    CopyCredentials,
    CopyLink,
    Entry,
    Forget,
    MenuView,
    OpenConsole,
    build_menu,
    clean,
    time_left,
)

if TYPE_CHECKING:  # the AWS engine loads on first use, after the first paint
    from trayapp.core.sessions import MfaPrompt
    from trayapp.core.stserrors import CodeProblem
    from trayapp.environment import Environment

log = logging.getLogger(__name__)

EXPIRY_WARNING = timedelta(minutes=5)
Note = tuple[str, str]  # a notification: title, message


class Surface(Protocol):
    """The visible tray: implementations marshal every call onto the UI thread themselves."""

    def refresh(self) -> None: ...

    def notify(self, title: str, message: str) -> None: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class AccountKey:
    """Work on one account: its own type, so an account named "back" never meets Command.BACK."""

    name: str


BusyKey = Command | AccountKey


class SerialPrompt:
    """One MFA prompt on screen at a time, whatever the number of workers asking."""

    def __init__(self, make_inner: Callable[[], MfaPrompt]):
        self.make_inner = make_inner  # called on the first question: start-up needs no dialog code
        self.inner: MfaPrompt | None = None
        self.lock = threading.Lock()

    def __call__(self, serial: str, account: Account, problem: CodeProblem | None) -> str | None:
        with self.lock:
            if self.inner is None:
                self.inner = self.make_inner()
            return self.inner(serial, account, problem)


class TrayController:
    """The tray's state and actions; pure Python, driven by a Surface."""

    def __init__(
        self,
        config_path: Path,
        app_factory: Callable[[Config], App],
        env: Environment,
        autostart: bool = False,
    ):
        self.config_path = config_path
        self.env = env  # the editor, the clipboard and start at login come from here only
        self.clock = env.clock
        self.has_autostart = autostart  # the tray offers "Start at login"; the lone switcher does not
        self.problems: tuple[str, ...] = ()
        self.surface: Surface | None = None
        self.busy: set[BusyKey] = set()
        self.busy_lock = threading.Lock()
        self.workers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="trayapp-work")
        self.config_mtime = self.mtime()
        self.warned: set[tuple[str, str, datetime]] = set()  # (kind, account, end) already warned of
        self.state_problem_said: str | None = None
        self.show_switcher: Callable[[], None] | None = None  # the quick switcher, where one can open
        self.painted: IconSpec | None = None  # the picture last shown, to remember the next one
        config, self.problems = config_at_start(config_path, env.environ)
        self.app = app_factory(config)
        self.primary_label = config.primary.label or "primary"

    # -- what the surface shows ----------------------------------------------------------

    @property
    def config(self) -> Config:
        return self.app.config

    @property
    def problem(self) -> str | None:
        """The first config problem, short enough for a notification (None when there is none)."""
        if not self.problems:
            return None
        more = f" (+{len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return self.problems[0] + more

    def menu(self) -> tuple[Entry, ...]:
        return build_menu(
            MenuView(
                config=self.config,
                state=self.app.store.cached,
                now=self.clock(),
                primary_label=self.primary_label,
                busy=frozenset(k.name for k in self.busy if isinstance(k, AccountKey)),
                problems=self.problems,
                autostart=self.autostart(None) if self.has_autostart else None,
            )
        )

    def where(self) -> Where:
        return self.app.where()

    def icon_spec(self) -> IconSpec:
        return picture(self.where(), warning=bool(self.problems), busy=bool(self.busy))

    def tooltip(self) -> str:
        now = self.where()
        if now.console is None or now.console_until is None:
            text = f"trayapp: primary session ({self.primary_label})"
        else:
            text = f"trayapp: {now.console.display_name}, {time_left(now.console_until, self.clock())} left"
        if now.terminal:
            text += f"; terminal: {', '.join(a.display_name for a, _ in now.terminal)}"
        return clean(text, 120)

    # -- actions ---------------------------------------------------------------------------

    def dispatch(self, action: Action) -> None:
        """Called from a menu click on the UI thread; returns at once."""
        log.debug("menu action: %s", action)  # names an account at most, never a secret
        if action is Command.QUIT:
            self.quit()
        elif action is Command.SWITCH:
            if self.show_switcher:
                self.show_switcher()
        elif action is Command.RELOAD:
            self.reload(announce=True)
        elif action is Command.EDIT:
            self.background(Command.EDIT, self.edit, "Edit accounts")
        elif action is Command.AUTOSTART:
            if self.has_autostart:
                self.background(Command.AUTOSTART, self.toggle_autostart)
        elif action is Command.BACK:
            self.background(Command.BACK, self.back, "Back to primary")
        elif action is Command.ADD_LINK:
            self.background(Command.ADD_LINK, self.add_from_clipboard, "Add account")
        elif isinstance(action, OpenConsole | CopyCredentials | CopyLink | Forget):
            account = self.app.account_named(action.account)
            if account is not None:
                self.background(
                    AccountKey(account.name),
                    lambda: self.account_action(action, account),
                    account.display_name,
                )

    def background(self, key: BusyKey, work: Callable[[], Note | None], title: str = "trayapp") -> bool:
        """Run ``work`` on a worker unless the same key is already running (two quick clicks, one call).

        An error becomes one notification titled ``title`` (the account's name for account actions).
        """
        with self.busy_lock:
            if key in self.busy:
                return False
            self.busy.add(key)
        self.refresh()

        def run() -> None:
            note: Note | None = None
            try:
                note = work()
            except TrayappError as exc:  # Cancelled too: "MFA prompt cancelled; nothing was done"
                message = str(exc)
                note = (title, message[:1].upper() + message[1:])
            except Exception:
                log.exception("action failed")
                note = (title, "Something went wrong; run trayapp --debug for details")
            finally:
                with self.busy_lock:
                    self.busy.discard(key)
                self.refresh()
            if note:  # after the refresh, so the notification shows the icon as it now is
                self.notify(*note)

        self.workers.submit(run)
        return True

    def account_action(self, action: AccountAction, account: Account) -> Note:
        name = account.display_name
        if isinstance(action, OpenConsole):
            mode = self.app.open_console(account, action.mode)
            return name, f"Opened the console for {name} ({mode})."
        if isinstance(action, CopyCredentials):
            session = self.app.copy_credentials(account, action.fmt)
            until = session.expires.astimezone().strftime("%H:%M")
            return name, f"Credentials for {name} copied, valid until {until}."
        if isinstance(action, CopyLink):
            self.app.copy_console_link(account)
            return name, f"Switch-role link for {name} copied."
        self.app.forget(account)
        return name, f"Forgot the cached session for {name}."

    def learn_identity(self) -> None:
        """Name the primary in the header (IAM user and account) when the config gives no label.

        One GetCallerIdentity with the primary keys; without keys (switch-role only) the header
        just says "primary". Blocking: run it on a worker.
        """
        if self.config.primary.label:
            return
        try:
            identity = self.app.provider.identity(self.config.primary.profile)
        except TrayappError as exc:
            log.info("primary identity unknown: %s", exc)
            return
        digits = identity.account_id
        self.primary_label = f"{identity.user_name} @ {digits[:4]}-{digits[4:8]}-{digits[8:]}"
        self.refresh()

    def back(self) -> Note:
        who = self.config.primary.label or self.primary_label.split(" @ ")[0]
        done = self.app.back(who if who != "primary" else None)
        return "Back to primary", done.message(who if who != "primary" else "your IAM user")

    def edit(self) -> None:
        """Create the config from the template if needed and open it; EditorError names file and reason."""
        from trayapp.core.config import create_config

        create_config(self.config_path)
        self.env.editor.open(self.config_path, foreground=False)

    def add_from_clipboard(self) -> Note:
        from trayapp.core.importing import add_link

        link = self.env.clipboard.paste()
        added = add_link(self.config_path, link, group=self.group_for(link))
        self.reload(announce=False)
        account = self.app.account_named(added)
        shown = account.display_name if account else added
        where = f" in {account.group}" if account and account.group else ""
        return "Account added", f"{shown} was added to your accounts{where}."

    def group_for(self, link: str) -> str | None:
        """The group of another role in the link's account, else the one the user picks (if there are groups)."""
        from trayapp.core.config import parse_switch_role_link

        try:
            found = parse_switch_role_link(link.strip())
        except ValueError:
            return None  # add_link says what is wrong with it
        accounts = self.config.accounts
        if any(a.account_id == found["account_id"] and a.role_name == found["role_name"] for a in accounts):
            return None  # already there: add_link says so, nothing to ask
        beside = next((a.group for a in accounts if a.account_id == found["account_id"] and a.group), None)
        groups = list(dict.fromkeys(a.group for a in accounts if a.group))
        if beside or not groups:
            return beside
        return self.env.ask_group(found.get("display_name") or found["role_name"], groups)

    def toggle_autostart(self) -> None:
        if self.has_autostart:
            self.autostart(not self.autostart(None))

    def autostart(self, wanted: bool | None) -> bool | None:
        """Read (None) or set the start-at-login state; the state after the call, None when unknown."""
        try:
            entry = self.env.autostart()
            if wanted is True:
                entry.enable()
            elif wanted is False:
                entry.disable()
            return entry.enabled()
        except OSError as exc:
            log.warning("start at login: %s", exc.strerror)
            return None

    def reload(self, announce: bool) -> bool:
        """Load the config again; on a problem keep the last good accounts and say what is wrong."""
        self.config_mtime = self.mtime()
        try:
            config = load_config(self.config_path, self.env.environ)
        except ConfigError as exc:
            self.problems = problem_lines(exc.problems)
            self.notify("Config problem, keeping the last good accounts", self.problem or "")
            self.refresh()
            return False
        self.problems = ()
        self.app.reload(config)
        if config.primary.label:
            self.primary_label = config.primary.label
        if announce:
            self.notify("trayapp", f"Reloaded {len(config.accounts)} accounts.")
        self.refresh()
        return True

    def quit(self) -> None:
        with contextlib.suppress(TrayappError):
            self.app.clear_clipboard()
        self.workers.shutdown(wait=False, cancel_futures=True)
        if self.surface:
            self.surface.stop()

    # -- time --------------------------------------------------------------------------------

    def tick(self) -> None:
        """Every few seconds: pick up config edits, warn before a session ends, refresh.

        The console and each terminal credential have their own end and their own warning.
        """
        if self.mtime() != self.config_mtime:
            self.reload(announce=False)
        self.app.store.load()
        problem = self.app.store.problem
        if problem and problem != self.state_problem_said:
            self.state_problem_said = problem
            self.notify("trayapp", problem)
        now, at = self.where(), self.clock()
        if now.console and now.console_until:
            name = now.console.display_name
            key = ("console", now.console.name, now.console_until)
            self.warn(key, name, at, f"The console session for {name} ends in")
        for account, until in now.terminal:
            key = ("terminal", account.name, until)
            self.warn(
                key, account.display_name, at, f"The terminal credentials for {account.display_name} end in"
            )
        self.refresh()

    def warn(self, key: tuple[str, str, datetime], title: str, now: datetime, text: str) -> None:
        """Once per session end (kind, account, end), five minutes before it."""
        until = key[2]
        if until - now <= EXPIRY_WARNING and key not in self.warned:
            self.warned.add(key)
            self.notify(title, f"{text} {time_left(until, now)}.")

    def mtime(self) -> float | None:
        try:
            return self.config_path.stat().st_mtime
        except OSError:
            return None

    # -- surface -----------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.surface:
            self.surface.refresh()
        painted = self.icon_spec()._replace(busy=False)
        if painted != self.painted:
            self.painted = painted
            with contextlib.suppress(RuntimeError):  # the workers are gone: quitting
                self.workers.submit(self.remember_picture)

    def remember_picture(self) -> None:
        """Keep what a start would paint now, read afresh from the files, for the next start's first paint."""
        inputs = picture_inputs(self.config_path, self.app.store.path, self.env.environ)
        marks = file_marks(inputs)  # before reading: a file changed after this is a miss next time, not a lie
        state = self.app.store.peek()
        if state is None:
            return  # a damaged state.json: the next start reads it (and sets it aside) before painting
        config, problems = config_at_start(self.config_path, self.env.environ)
        at = where(config, state, self.clock())
        ends = [until for until in (at.console_until, *(until for _, until in at.terminal)) if until]
        memory = memory_path()
        try:
            ensure_private_dir(memory.parent)
            atomic_write(
                memory,
                memory_text(marks, picture(at, bool(problems)), min(ends).timestamp() if ends else None),
            )
        except OSError as exc:
            log.debug("could not remember the icon's picture in %s: %s", memory, exc.strerror)

    def notify(self, title: str, message: str) -> None:
        log.info("notify: %s: %s", title, message)
        if self.surface:
            self.surface.notify(clean(title, 80), clean(message, 240))


def config_at_start(path: Path, environ: Mapping[str, str]) -> tuple[Config, tuple[str, ...]]:
    """The config a tray start runs with, and its problems: none of its accounts when it has any."""
    try:
        return load_config(path, environ), ()
    except ConfigError as exc:
        return Config(path=path, exists=path.exists()), problem_lines(exc.problems)


def picture(at: Where, warning: bool, busy: bool = False) -> IconSpec:
    """The icon for where the console is: its account's colour and initials, else the neutral mark."""
    terminal = bool(at.terminal)
    if at.console is None:
        return IconSpec(busy=busy, warning=warning, terminal=terminal)
    return IconSpec(at.console.color or "546e7a", at.console.display_name, busy, warning, terminal)


def problem_lines(problems: list[Problem]) -> tuple[str, ...]:
    """Each config problem as one menu line: "line 13: account[2].color: ...", never an empty key."""
    lines = []
    for problem in problems:
        where = f"line {problem.line}: " if problem.line else ""
        key = f"{problem.key}: " if problem.key else ""
        lines.append(f"{where}{key}{problem.message}")
    return tuple(lines)
