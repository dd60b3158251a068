"""What every command receives: the parsed options, the Environment and, on demand, the config and App."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from trayapp.core.errors import UsageError
from trayapp.core.places import config_path

if TYPE_CHECKING:  # loaded when a command first needs the config: `trayapp tray` paints before
    import argparse

    from trayapp.app import App
    from trayapp.core.model import Account, Config
    from trayapp.environment import Environment


class Context:
    """One invocation: options, the outside world (``env``), and the config and App built when first used."""

    def __init__(self, args: argparse.Namespace, env: Environment):
        self.args = args
        self.env = env
        self.path = config_path(getattr(args, "config", None), env.environ)
        self._config: Config | None = None
        self._app: App | None = None

    @property
    def out(self) -> TextIO:
        return self.env.stdout

    @property
    def err(self) -> TextIO:
        return self.env.stderr

    @property
    def config(self) -> Config:
        if self._config is None:
            from trayapp.core.config import load_config

            self._config = load_config(self.path, self.env.environ)
        return self._config

    def forget_config(self) -> None:
        """Read the config again on next use (after the user edited it)."""
        self._config = None

    def account(self, name: str) -> Account:
        from trayapp.core.matching import find_account

        try:
            return find_account(self.config.accounts, name)
        except UsageError:
            # A profile of the AWS config that was skipped: say why, not "no account named".
            skipped = [p for p in self.config.warnings if p.key == f"profile {name.strip()}"]
            if skipped:
                raise UsageError(f"{skipped[0]} (profile skipped)") from None
            raise

    @property
    def app(self) -> App:
        """The shared actions, with the MFA prompt this invocation calls for."""
        if self._app is None:
            from trayapp.app import App

            prompt = self.env.mfa_prompt(getattr(self.args, "mfa_code", None))
            self._app = App(self.config, prompt, self.env)
        return self._app
