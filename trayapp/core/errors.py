"""Errors that carry a message fit to show a user, and the exit code that goes with them."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from pathlib import Path


class TrayappError(Exception):
    """A failure explained in one sentence; never carries a secret."""

    exit_code = 1


class UsageError(TrayappError):
    """The user asked for something that cannot be done as asked (exit 2)."""

    exit_code = 2


class AwsError(TrayappError):
    """AWS, the network or the system said no (exit 1)."""

    exit_code = 1


class Problem(NamedTuple):
    """One thing wrong in a config file, located by file, line and key (a NamedTuple: the fast path skips dataclasses)."""

    file: Path
    line: int | None
    key: str  # as shown: "account 'prod'.region"
    message: str
    setting: str = ""  # the key within its table ("region"), for code that must not parse ``key``

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ConfigError(UsageError):
    """A config file with one or more problems; lists all of them, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        count = len(problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the config"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in problems))
