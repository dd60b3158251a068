"""The guard that stops a credential_process running trayapp from starting trayapp without end."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

LOOKUP_GUARD = "TRAYAPP_PRIMARY_LOOKUP"
PRIMARY_LOOKUP = ":primary"  # the name used when no account is asked for (identity, organizations)
SELF_SOURCE = (
    "the primary credentials come from a credential_process that runs trayapp itself (check AWS_PROFILE); "
    "set [primary] profile to the AWS profile that holds the IAM user's keys"
)


class LookupGuard:
    """Names, in the environment, the accounts whose source keys are being looked up.

    A credential_process that botocore starts during the lookup inherits the names. If it is
    trayapp asked for one of them again (say AWS_PROFILE names a profile of 'trayapp export
    aws-config' for the very account asked for), it stops at once instead of starting trayapp
    without end; asked for another account (a role profile whose source_profile is an exported
    profile), it goes on. Threads of this process keep their names apart from the inherited ones,
    so two accounts clicked together in the tray never mistake each other for a loop.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active: list[str] = []
        self.parent: str | None = None  # the inherited value, kept while our lookups run

    def inherited(self, name: str) -> bool:
        """True when a trayapp further up this chain of processes is already looking up ``name``."""
        with self.lock:
            names = self.parent if self.active else os.environ.get(LOOKUP_GUARD)
            return name in (names or "").split("\n")

    @contextlib.contextmanager
    def looking_up(self, name: str) -> Iterator[None]:
        with self.lock:
            if not self.active:
                self.parent = os.environ.get(LOOKUP_GUARD)
            self.active.append(name)
            self._publish()
        try:
            yield
        finally:
            with self.lock:
                self.active.remove(name)
                self._publish()

    def _publish(self) -> None:
        names = [n for n in (self.parent or "").split("\n") if n] + self.active
        if names and self.active:
            os.environ[LOOKUP_GUARD] = "\n".join(names)
        elif self.parent is not None:
            os.environ[LOOKUP_GUARD] = self.parent
        else:
            os.environ.pop(LOOKUP_GUARD, None)


LOOKUP = LookupGuard()
