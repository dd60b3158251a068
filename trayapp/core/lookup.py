"""The guard that stops a credential_process running trayapp from starting trayapp without end."""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

LOOKUP_GUARD = "TRAYAPP_PRIMARY_LOOKUP"
PRIMARY_LOOKUP = ":primary"  # the name used when no account is asked for (identity, organizations)
SELF_SOURCE = (
    "the primary credentials come from a credential_process that runs trayapp itself (check AWS_PROFILE); "
    "set [primary] profile to the AWS profile that holds the IAM user's keys"
)


class LookupGuard:
    """Names, in a credential_process's environment, the accounts whose source keys are being looked up.

    A credential_process that botocore starts during a lookup gets the names (inherited ones first)
    in the env of its own ``popen``: the process-wide environ is never written. If it is trayapp
    asked for one of them again (say AWS_PROFILE names a profile of 'trayapp export aws-config'
    for the very account asked for), it stops at once instead of starting trayapp without end;
    asked for another account (a role profile whose source_profile is an exported profile), it
    goes on. Each thread keeps its own names, so two accounts clicked together in the tray never
    mistake each other for a loop.
    """

    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ  # what the children inherit, as the process would give it
        self.parent = tuple(n for n in environ.get(LOOKUP_GUARD, "").split("\n") if n)
        self.local = threading.local()

    def inherited(self, name: str) -> bool:
        """True when a trayapp further up this chain of processes is already looking up ``name``."""
        return name in self.parent

    def _active(self) -> list[str]:
        active: list[str] | None = getattr(self.local, "active", None)
        if active is None:
            active = self.local.active = []
        return active

    @contextlib.contextmanager
    def looking_up(self, name: str) -> Iterator[None]:
        """While the block runs, this thread's credential_process children carry ``name``."""
        active = self._active()
        active.append(name)
        try:
            yield
        finally:
            active.pop()

    def child_environ(self) -> dict[str, str]:
        """The environment of a credential_process started now, on this thread."""
        env = dict(self.environ)
        names = [*self.parent, *self._active()]
        if names:
            env[LOOKUP_GUARD] = "\n".join(names)
        else:
            env.pop(LOOKUP_GUARD, None)
        return env

    def popen(self, argv: Sequence[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        """botocore's ProcessProvider ``popen``: the same call, with this thread's names in the env."""
        return subprocess.Popen(argv, env=self.child_environ(), **kwargs)

    def arm(self, resolver: Any) -> Any:
        """Route every credential_process of a botocore credential resolver through :meth:`popen`."""
        for provider in resolver.providers:
            self._arm(provider)
        return resolver

    def arm_session(self, session: Any) -> None:
        """Arm the resolver of a boto3 (or botocore) session before its credentials are loaded."""
        core = getattr(session, "_session", session)
        self.arm(core.get_component("credential_provider"))

    def _arm(self, provider: Any) -> None:
        from botocore.credentials import AssumeRoleProvider, ProcessProvider

        if isinstance(provider, ProcessProvider):
            provider._popen = self.popen  # botocore's own injection point for the child
        elif isinstance(provider, AssumeRoleProvider):
            builder = provider._profile_provider_builder  # source_profile chains build theirs here
            if builder is not None and not isinstance(builder, _ArmedBuilder):
                provider._profile_provider_builder = _ArmedBuilder(builder, self)


class _ArmedBuilder:
    """botocore's ProfileProviderBuilder whose ProcessProviders start their child through the guard."""

    def __init__(self, inner: Any, guard: LookupGuard):
        self.inner = inner
        self.guard = guard

    def providers(self, *args: Any, **kwargs: Any) -> list[Any]:
        found: list[Any] = self.inner.providers(*args, **kwargs)
        for provider in found:
            self.guard._arm(provider)
        return found
