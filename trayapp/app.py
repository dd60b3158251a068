"""The state and the actions shared by the command line and the tray; no GUI toolkit here."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from trayapp.core import console
from trayapp.core.cache import CachedSession, SessionCache, open_cache
from trayapp.core.clipmark import fingerprint
from trayapp.core.formats import render
from trayapp.core.identifiers import partition_of_region
from trayapp.core.model import Account, Config, ConsoleMode
from trayapp.core.state import (
    FEDERATED_CONSOLE,
    SIGNED_CONSOLE_DEFAULT,
    SWITCH_ROLE_CONSOLE,
    State,
    StateStore,
    Where,
    account_named,
    stamp,
    where,
)

if TYPE_CHECKING:
    from trayapp.core.sessions import MfaPrompt, SessionProvider
    from trayapp.environment import Environment

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Back:
    """What Back to primary actually did, to be said in one sentence."""

    done: Literal["nothing", "sign-in-page", "federated"]
    cleared: bool  # trayapp removed credentials of its own from the clipboard
    hours: int = FEDERATED_CONSOLE.seconds // 3600  # how long a federated console session lasts

    def message(self, who: str) -> str:
        said = {
            "nothing": "Already in the primary session; the browser was left as it is.",
            "sign-in-page": f"Signed out; sign in as {who}.",
            "federated": f"Console opened as {who} (federated, {self.hours} h).",
        }[self.done]
        return said + (" Copied credentials cleared from the clipboard." if self.cleared else "")


class App:
    """Opens consoles, hands out credentials and goes back to primary; every call may block."""

    def __init__(
        self,
        config: Config,
        prompt: MfaPrompt,
        env: Environment,
        cache: SessionCache | None = None,
        store: StateStore | None = None,
    ):
        self.config = config
        self.prompt = prompt
        self.env = env  # the browser, the clipboard, environ and the clock: never reached directly
        self.cache = cache or open_cache(config.settings.session_cache)
        self.store = store or StateStore.default()
        self.clock = env.clock
        self.environ = env.environ
        self._provider: SessionProvider | None = None
        self._provider_lock = (
            threading.Lock()
        )  # one engine: its per-account locks make one AWS call per click

    def reload(self, config: Config) -> None:
        """Use a new config; cached sessions stay valid for the accounts that did not change."""
        if config.settings.session_cache != self.config.settings.session_cache:
            self.cache = open_cache(config.settings.session_cache)
        self.config = config
        with self._provider_lock:
            self._provider = None

    @property
    def provider(self) -> SessionProvider:
        """The AWS engine, built on first use: the tray paints before it loads (hashlib, then botocore)."""
        with self._provider_lock:
            if self._provider is None:
                from trayapp.core.sessions import SessionProvider

                self._provider = SessionProvider(
                    self.config, self.cache, self.prompt, clock=self.clock, environ=self.environ
                )
            return self._provider

    # -- console ---------------------------------------------------------------------------

    def mode_for(self, account: Account, asked: ConsoleMode | None) -> ConsoleMode:
        """The asked mode, else the configured one; switch-role falls back to signed when it cannot work."""
        return asked or console.default_mode(self.config.primary.console, account)

    def console_url(
        self,
        account: Account,
        mode: ConsoleMode | None = None,
        region: str | None = None,
        service: str | None = None,
    ) -> str:
        """The console URL in the chosen mode. A signed URL is a secret: open it, never keep it."""
        if self.mode_for(account, mode) == "switch-role":
            return console.switch_role_url(account, region, service, self.config.region_for(account))
        return self.signed_url(account, region, service)[0]

    def signed_url(
        self, account: Account, region: str | None, service: str | None
    ) -> tuple[str, CachedSession]:
        """A fresh federation login URL (a secret) and the role session behind it."""
        # A refused TRAYAPP_SIGNIN_ENDPOINT is a usage error: say so before asking for an MFA code.
        console.federation_endpoint(account.partition, self.environ.get("TRAYAPP_SIGNIN_ENDPOINT"))
        from trayapp.core.signin import signed_login_url  # urllib/ssl: only signed links pay for them

        session = self.provider.credentials(account)
        where = region or self.config.region_for(account)
        return signed_login_url(account, session, where, service, self.environ), session

    def open_console(
        self,
        account: Account,
        mode: ConsoleMode | None = None,
        region: str | None = None,
        service: str | None = None,
    ) -> ConsoleMode:
        """Open the console for ``account``: it becomes the console's account (icon, tooltip, header)."""
        used = self.mode_for(account, mode)
        template = account.browser or self.config.settings.browser
        if used == "signed":
            from trayapp.core.signin import session_duration

            url, session = self.signed_url(account, region, service)
            self.env.browser.open_secret_url(url, template)
            seconds = session_duration(account, session)
            length = timedelta(seconds=seconds) if seconds else SIGNED_CONSOLE_DEFAULT
        else:
            url = console.switch_role_url(account, region, service, self.config.region_for(account))
            self.env.browser.open_url(url, template)
            length = SWITCH_ROLE_CONSOLE
        until = stamp(self.clock() + length)
        self.remember(lambda state: state.opened(account.name, used, until))
        return used

    # -- credentials -----------------------------------------------------------------------

    def credentials(self, account: Account) -> CachedSession:
        """Credentials handed out to a terminal: remembered (name and expiry) for the tray's menu."""
        session = self.provider.credentials(account)
        line = (account.name, session.credentials.expiration)
        if line not in self.state().terminal:  # a cache hit (credential_process) writes nothing
            self.remember(lambda state: state.handed_out(*line))
        return session

    def credentials_text(self, account: Account, fmt: str | None = None) -> tuple[str, CachedSession]:
        session = self.credentials(account)
        text = render(
            session.credentials,
            fmt or self.config.settings.credential_format,
            account.display_name,
            self.config.region_for(account),
        )
        return text, session

    def copy_credentials(self, account: Account, fmt: str | None = None) -> CachedSession:
        """Copy credentials (a terminal's, never the console's) and clear them later if still on the clipboard."""
        text, session = self.credentials_text(account, fmt)
        self.env.clipboard.copy(text)
        mark = fingerprint(text)
        self.remember(lambda state: replace(state, clipboard=mark))
        self.env.clipboard.clear_later(mark, self.config.settings.clipboard_clear_seconds)
        return session

    def copy_console_link(self, account: Account) -> None:
        """Copy the switch-role link (never a signed one: that is a secret)."""
        self.env.clipboard.copy(
            console.switch_role_url(account, default_region=self.config.region_for(account))
        )

    # -- back, forget ----------------------------------------------------------------------

    def back_url(self) -> str:
        """Sign out of the console and land on the primary account's IAM-user sign-in page."""
        primary = self.config.primary
        partition = partition_of_region(primary.region)
        return console.logout_url(
            partition, redirect=console.primary_signin_url(partition, primary.account_id)
        )

    def back(self, who: str | None = None) -> Back:
        """Back to the primary session the least disruptive way AWS allows (README, "Back to primary").

        Already there: the browser is left alone. Otherwise ``[primary] back`` chooses: the
        sign-out and sign-in page, or a federated console session for the IAM user itself.
        """
        primary = self.config.primary
        hours = Back.hours
        if self.state().console is None:
            done: Literal["nothing", "sign-in-page", "federated"] = "nothing"
        elif primary.back == "federated":
            from trayapp.core.cache import parse_expiration
            from trayapp.core.federation import federated_login_url

            url, until = federated_login_url(primary, who or primary.label or "trayapp", self.environ)
            self.env.browser.open_secret_url(url, self.config.settings.browser)
            done = "federated"
            hours = max(1, round((parse_expiration(until) - self.clock()).total_seconds() / 3600))
        else:
            self.env.browser.open_url(self.back_url(), self.config.settings.browser)
            done = "sign-in-page"
        cleared = self.clear_clipboard()
        self.remember(State.back_to_primary)
        return Back(done, cleared, hours)

    def leave_console(self) -> None:
        """Forget the console's account without touching the browser (``trayapp back --print``)."""
        self.remember(State.back_to_primary)

    def clear_clipboard(self) -> bool:
        """Clear credentials we copied, if the clipboard still holds them."""
        mark = self.state().clipboard
        return bool(mark) and self.env.clipboard.clear_if_holds(mark or "")

    def forget(self, account: Account | None = None) -> int:
        """Drop cached sessions (one account's or all) and their terminal lines; the console is untouched."""
        dropped = self.cache.forget(account.name if account else None)
        self.remember(lambda state: state.forgot(account.name if account else None))
        return dropped

    # -- state -----------------------------------------------------------------------------

    def state(self) -> State:
        return self.store.load()

    def remember(self, change: Callable[[State], State]) -> None:
        """Change the state file; a state that cannot be written never undoes the work already done."""
        try:
            self.store.update(change)
        except (OSError, TimeoutError) as exc:
            log.warning("could not write %s (%s); the tray may not show this", self.store.path, exc)

    def where(self) -> Where:
        """The console's account and the live terminal credentials, from the state as last loaded."""
        return where(self.config, self.store.cached, self.clock())

    def account_named(self, name: str | None) -> Account | None:
        return account_named(self.config, name)

    def find(self, name: str) -> Account:
        from trayapp.core.matching import find_account

        return find_account(self.config.accounts, name)
