"""The state and the actions shared by the command line and the tray; no GUI toolkit here."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from trayapp.core import console
from trayapp.core.cache import CachedSession, Clock, SessionCache, open_cache, utc_now
from trayapp.core.formats import render
from trayapp.core.identifiers import partition_of_region
from trayapp.core.model import Account, Config, ConsoleMode
from trayapp.core.state import State, StateStore
from trayapp.platforms import browser, clipboard

if TYPE_CHECKING:
    from trayapp.core.sessions import MfaPrompt, SessionProvider

log = logging.getLogger(__name__)

SWITCH_ROLE_SESSION = timedelta(hours=1)  # a console switch-role session lasts one hour


class App:
    """Opens consoles, hands out credentials and goes back to primary; every call may block."""

    def __init__(
        self,
        config: Config,
        prompt: MfaPrompt,
        cache: SessionCache | None = None,
        store: StateStore | None = None,
        clock: Clock = utc_now,
        environ: Mapping[str, str] | None = None,
        clear_later: Callable[[str, int], None] = clipboard.clear_later,
    ):
        self.config = config
        self.prompt = prompt
        self.cache = cache or open_cache(config.settings.session_cache)
        self.store = store or StateStore.default()
        self.clock = clock
        self.environ = os.environ if environ is None else environ
        self.clear_later = clear_later
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
        """The AWS engine, built on first use: the tray paints before it loads (hashlib, then boto3)."""
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
        """Open the console for ``account`` and make it the active account."""
        used = self.mode_for(account, mode)
        template = account.browser or self.config.settings.browser
        if used == "signed":
            url, session = self.signed_url(account, region, service)
            browser.open_secret_url(url, template)
            until = session.credentials.expiration
        else:
            url = console.switch_role_url(account, region, service, self.config.region_for(account))
            browser.open_url(url, template)
            until = (self.clock() + SWITCH_ROLE_SESSION).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.save(self.state().activate(account.name, until))
        return used

    # -- credentials -----------------------------------------------------------------------

    def credentials(self, account: Account) -> CachedSession:
        return self.provider.credentials(account)

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
        """Copy credentials, make the account active, and clear them later if still on the clipboard."""
        text, session = self.credentials_text(account, fmt)
        clipboard.copy(text)
        mark = clipboard.fingerprint(text)
        self.save(
            replace(self.state().activate(account.name, session.credentials.expiration), clipboard=mark)
        )
        self.clear_later(mark, self.config.settings.clipboard_clear_seconds)
        return session

    def copy_console_link(self, account: Account) -> None:
        """Copy the switch-role link (never a signed one: that is a secret)."""
        clipboard.copy(console.switch_role_url(account, default_region=self.config.region_for(account)))

    # -- back, forget ----------------------------------------------------------------------

    def back_url(self) -> str:
        """Sign out of the console and land on the primary account's IAM-user sign-in page."""
        primary = self.config.primary
        partition = partition_of_region(primary.region)
        return console.logout_url(
            partition, redirect=console.primary_signin_url(partition, primary.account_id)
        )

    def back(self, open_browser: bool = True) -> str:
        """Back to the primary session: browser, active account and our clipboard contents."""
        url = self.back_url()
        if open_browser:
            browser.open_url(url, self.config.settings.browser)
        self.clear_clipboard()
        self.save(self.state().back_to_primary())
        return url

    def clear_clipboard(self) -> bool:
        """Clear credentials we copied, if the clipboard still holds them."""
        mark = self.state().clipboard
        return bool(mark) and clipboard.clear_if_holds(mark or "")

    def forget(self, account: Account | None = None) -> int:
        """Drop cached sessions (one account's or all); the active account goes back to primary."""
        dropped = self.cache.forget(account.name if account else None)
        state = self.state()
        if account is None or state.active == account.name:
            self.save(replace(state, active=None, active_until=None))
        return dropped

    # -- state -----------------------------------------------------------------------------

    def state(self) -> State:
        return self.store.load()

    def save(self, state: State) -> None:
        self.store.save(state)

    def active_account(self) -> Account | None:
        name = self.state().active_at(self.clock())
        return next((a for a in self.config.accounts if a.name == name), None)

    def find(self, name: str) -> Account:
        from trayapp.core.matching import find_account

        return find_account(self.config.accounts, name)
