"""What the tray does, without pystray: dispatch menu actions to workers, track state, notify.

Threads: menu callbacks arrive on the UI thread and only call ``dispatch``; anything that may
block (STS, MFA prompts, sign-in, the clipboard, the browser) runs on a worker. Results reach the
screen only through ``Surface.refresh`` / ``Surface.notify``, which the surface makes UI-safe.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from trayapp.app import App
from trayapp.core.cache import Clock, parse_expiration, utc_now
from trayapp.core.config import load_config
from trayapp.core.errors import ConfigError, TrayappError
from trayapp.core.model import Account, Config
from trayapp.tray.menu import Action, Entry, MenuView, build_menu, clean, time_left

if TYPE_CHECKING:  # the AWS engine loads on first use, after the first paint
    from trayapp.core.sessions import MfaPrompt

log = logging.getLogger(__name__)

EXPIRY_WARNING = timedelta(minutes=5)
Note = tuple[str, str]  # a notification: title, message


class Surface(Protocol):
    """The visible tray: implementations marshal every call onto the UI thread themselves."""

    def refresh(self) -> None: ...

    def notify(self, title: str, message: str) -> None: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class IconSpec:
    """What the icon should show: the neutral mark, or an account's colour and initials; maybe busy."""

    color: str | None = None
    label: str | None = None
    busy: bool = False


class SerialPrompt:
    """One MFA prompt on screen at a time, whatever the number of workers asking."""

    def __init__(self, inner: MfaPrompt):
        self.inner = inner
        self.lock = threading.Lock()

    def __call__(self, serial: str, account: Account, problem: str | None) -> str | None:
        with self.lock:
            return self.inner(serial, account, problem)


class TrayController:
    """The tray's state and actions; pure Python, driven by a Surface."""

    def __init__(
        self,
        config_path: Path,
        app_factory: Callable[[Config], App],
        clock: Clock = utc_now,
        opener: Callable[[Path], None] | None = None,
        autostart: Callable[[bool | None], bool | None] | None = None,
    ):
        self.config_path = config_path
        self.clock = clock
        self.opener = opener
        self.autostart = autostart
        self.problem: str | None = None
        self.surface: Surface | None = None
        self.busy: set[str] = set()
        self.busy_lock = threading.Lock()
        self.workers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="trayapp-work")
        self.config_mtime = self.mtime()
        self.warned_expiry: str | None = None
        try:
            config = load_config(config_path)
        except ConfigError as exc:
            self.problem = first_problem(exc)
            config = Config(path=config_path, exists=config_path.exists())
        self.app = app_factory(config)
        self.primary_label = config.primary.label or "primary"

    # -- what the surface shows ----------------------------------------------------------

    @property
    def config(self) -> Config:
        return self.app.config

    def menu(self) -> tuple[Entry, ...]:
        return build_menu(
            MenuView(
                config=self.config,
                state=self.app.store.cached,
                now=self.clock(),
                primary_label=self.primary_label,
                busy=frozenset(self.busy),
                problem=self.problem,
                autostart=self.autostart(None) if self.autostart else None,
            )
        )

    def active(self) -> Account | None:
        name = self.app.store.cached.active_at(self.clock())
        return next((a for a in self.config.accounts if a.name == name), None)

    def icon_spec(self) -> IconSpec:
        account = self.active()
        busy = bool(self.busy)
        if account is None:
            return IconSpec(busy=busy)
        return IconSpec(color=account.color or "546e7a", label=account.display_name, busy=busy)

    def tooltip(self) -> str:
        account = self.active()
        if account is None:
            return clean(f"trayapp: primary session ({self.primary_label})", 120)
        until = self.app.store.cached.active_until
        left = f", {time_left(parse_expiration(until), self.clock())} left" if until else ""
        return clean(f"trayapp: {account.display_name}{left}", 120)

    # -- actions ---------------------------------------------------------------------------

    def dispatch(self, action: Action) -> None:
        """Called from a menu click on the UI thread; returns at once."""
        kind, *args = action
        if kind == "quit":
            self.quit()
        elif kind == "reload":
            self.reload(announce=True)
        elif kind == "edit":
            self.background("edit", self.edit)
        elif kind == "autostart" and self.autostart:
            self.background("autostart", self.toggle_autostart)
        elif kind == "back":
            self.background("back", self.back)
        elif kind == "add-link":
            self.background("add-link", self.add_from_clipboard)
        elif kind in ("open", "copy", "link", "forget") and args:
            account = next((a for a in self.config.accounts if a.name == args[0]), None)
            if account is not None:
                self.background(
                    account.name, lambda: self.account_action(kind, account, args[1:]), account.display_name
                )

    def background(self, key: str, work: Callable[[], Note | None], title: str = "trayapp") -> bool:
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

    def account_action(self, kind: str, account: Account, args: list[str]) -> Note:
        name = account.display_name
        if kind == "open":
            mode = self.app.open_console(account, args[0] if args else None)  # type: ignore[arg-type]
            return name, f"Opened the console for {name} ({mode})."
        if kind == "copy":
            session = self.app.copy_credentials(account, args[0] if args else None)
            until = parse_expiration(session.credentials.expiration).astimezone().strftime("%H:%M")
            return name, f"Credentials for {name} copied, valid until {until}."
        if kind == "link":
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
        self.app.back()
        self.warned_expiry = None
        return (
            "Back to primary",
            "Signed out of the console; sign in as your IAM user. Copied credentials cleared.",
        )

    def edit(self) -> None:
        from trayapp.core.config import create_config

        create_config(self.config_path)
        if self.opener:
            self.opener(self.config_path)

    def add_from_clipboard(self) -> Note:
        from trayapp.core.importing import add_link
        from trayapp.platforms import clipboard

        added = add_link(self.config_path, clipboard.paste())
        self.reload(announce=False)
        return "Account added", f"{added} was added to your accounts."

    def toggle_autostart(self) -> None:
        if self.autostart:
            now = self.autostart(None)
            self.autostart(not now)

    def reload(self, announce: bool) -> bool:
        """Load the config again; on a problem keep the last good accounts and say what is wrong."""
        self.config_mtime = self.mtime()
        try:
            config = load_config(self.config_path)
        except ConfigError as exc:
            self.problem = first_problem(exc)
            self.notify("Config problem, keeping the last good accounts", self.problem)
            self.refresh()
            return False
        self.problem = None
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
        """Every few seconds: pick up config edits, warn before the active session ends, refresh."""
        if self.mtime() != self.config_mtime:
            self.reload(announce=False)
        self.app.store.load()
        account = self.active()
        until = self.app.store.cached.active_until
        if account and until:
            left = parse_expiration(until) - self.clock()
            if left <= EXPIRY_WARNING and self.warned_expiry != until:
                self.warned_expiry = until
                self.notify(
                    account.display_name,
                    f"The session for {account.display_name} ends in {time_left(parse_expiration(until), self.clock())}.",
                )
        self.refresh()

    def mtime(self) -> float | None:
        try:
            return self.config_path.stat().st_mtime
        except OSError:
            return None

    # -- surface -----------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.surface:
            self.surface.refresh()

    def notify(self, title: str, message: str) -> None:
        log.info("notify: %s: %s", title, message)
        if self.surface:
            self.surface.notify(clean(title, 80), clean(message, 240))


def first_problem(error: ConfigError) -> str:
    """The first problem of a config error, short enough for a menu line."""
    problem = error.problems[0]
    more = f" (+{len(error.problems) - 1} more)" if len(error.problems) > 1 else ""
    return (
        f"line {problem.line}: {problem.key}: {problem.message}{more}"
        if problem.line
        else f"{problem.message}{more}"
    )
