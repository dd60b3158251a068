"""Role sessions, composed: a source provider -> the AssumeRole step (MFA) -> the cached provider.

The source is the primary's keys for accounts of trayapp's config (core/primary.py), and whatever
botocore picks for profiles of ``~/.aws/config`` (core/profiles.py). The cache key is made from
the source's description and the exact request (core/sessionkey.py); the cached provider
(core/cachedprovider.py) holds one lock per key, so processes that need the same session wait
for the first one's answer (core/keylocks.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from trayapp.core import identifiers as ids
from trayapp.core import primary
from trayapp.core.awscall import CONNECT_TIMEOUT as CONNECT_TIMEOUT
from trayapp.core.awscall import READ_TIMEOUT as READ_TIMEOUT
from trayapp.core.awscall import DeadlineError, call_aws, client_for
from trayapp.core.cache import CachedSession, SessionCache
from trayapp.core.cachedprovider import CachedProvider
from trayapp.core.clock import Clock, stamp, utc_now
from trayapp.core.errors import AwsError, UsageError
from trayapp.core.identitymemo import IdentityMemo
from trayapp.core.lookup import LOOKUP_GUARD, PRIMARY_LOOKUP, SELF_SOURCE, LookupGuard
from trayapp.core.model import Account, Config, RoleCredentials
from trayapp.core.sessionkey import (
    CHAINING_CAP,
    Request,
    capped,
    config_account_key,
    config_account_request,
    role_request,
    session_key,
)
from trayapp.core.stserrors import (
    Cancelled,
    CodeProblem,
    MfaRejected,
    SourceRefused,
    explain,
    is_mfa_rejection,
    scrub,
)

__all__ = [
    "CHAINING_CAP",
    "LOOKUP_GUARD",
    "PRIMARY_LOOKUP",
    "SELF_SOURCE",
    "Cancelled",
    "Identity",
    "LookupGuard",
    "MfaPrompt",
    "MfaRejected",
    "SessionProvider",
    "SourceRefused",
    "explain",
    "scrub",
    "session_name_from",
]

log = logging.getLogger(__name__)


class MfaPrompt(Protocol):
    """Asks the user for a 6-digit code; returns None when they cancel. May block: never call it on a UI thread."""

    def __call__(self, serial: str, account: Account, problem: CodeProblem | None) -> str | None: ...


@dataclass(frozen=True)
class Identity:
    """Who the primary keys belong to (from GetCallerIdentity)."""

    arn: str
    account_id: str

    @property
    def user_name(self) -> str:
        return self.arn.rsplit("/", 1)[-1] if ":user/" in self.arn else self.arn.rsplit(":", 1)[-1]


def session_name_from(user: str) -> str:
    """A valid RoleSessionName (2..64 of [\\w+=,.@-], never '/') from a user name."""
    name = re.sub(r"[^\w+=,.@-]", "-", user, flags=re.ASCII).strip("-")[:64]
    return name if len(name) >= 2 else "trayapp"


class SessionProvider:
    """Turns source credentials into role sessions, reusing cached ones while fresh.

    Blocking (network, MFA prompt): call it from a worker thread in the tray. Callers needing the
    same session, in this process or another, wait for one lock and share one STS call.
    """

    def __init__(
        self,
        config: Config,
        cache: SessionCache,
        prompt: MfaPrompt,
        clock: Clock = utc_now,
        timeouts: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
        environ: Mapping[str, str] | None = None,
    ):
        self.environ = environ or {}  # None: no environment, as everywhere
        self.guard = LookupGuard(self.environ)  # this provider's credential_process children carry its names
        self.config = config
        self.cache = cache
        self.prompt = prompt
        self.clock = clock
        self.timeouts = timeouts
        self.sessions = CachedProvider(cache, clock)
        folder = getattr(cache, "folder", None)  # beside the sessions folder: file caches only
        self.identities = IdentityMemo(folder.parent if folder else None, clock)
        self.data_folder = folder.parent / "botocore" if folder else None  # botocore's endpoints, cut down
        self._sessions: dict[str | None, Any] = {}  # one botocore session (its data loaded once) per profile
        self._clients: dict[tuple[str, str], Any] = {}  # one STS client per key and region

    # -- the primary source ------------------------------------------------------------------

    def source_profile(self, account: Account | None) -> str | None:
        """The profile named as the account's source: the AWS profile's source, else primary.profile."""
        if account is not None and account.source == "aws-config":
            return account.source_profile
        return self.config.primary.profile

    def boto_session(self, profile: str | None) -> Any:
        return primary.boto_session(profile, self.data_folder)

    def source_credentials(self, session: Any, wanted: str = PRIMARY_LOOKUP) -> Any:
        """Frozen credentials of the primary for the account ``wanted``; AwsError when there are none."""
        return primary.primary_credentials(session, self.guard, wanted)

    def sts_client(self, session: Any, frozen: Any, region: str) -> Any:
        """One client per key and region for the life of the provider (GetCallerIdentity and AssumeRole share it)."""
        key = (f"{frozen.access_key}:{frozen.token or ''}", region)
        if key not in self._clients:
            self._clients[key] = client_for("sts", session, frozen, region, self.timeouts)
        return self._clients[key]

    def identity(self, profile: str | None = None, region: str | None = None) -> Identity:
        """GetCallerIdentity for the primary keys, remembered per access key."""
        session = self.boto_session(profile)
        return self.identity_of(session, self.source_credentials(session), region)

    def identity_of(self, session: Any, frozen: Any, region: str | None = None) -> Identity:
        """GetCallerIdentity for credentials already loaded, remembered a day per key (no call when known)."""
        known = self.identities.get(frozen.access_key)
        if known:
            return Identity(arn=known[0], account_id=known[1])
        client = self.sts_client(session, frozen, region or self.config.primary.region)
        answer = self.call(
            client, "get_caller_identity", {}, None, [frozen.secret_key, frozen.token], retry=True
        )
        found = Identity(arn=answer["Arn"], account_id=answer["Account"])
        self.identities.put(frozen.access_key, found.arn, found.account_id)
        return found

    # -- the cached provider -----------------------------------------------------------------

    def cached(self, account: Account) -> CachedSession | None:
        """A fresh cached session for the account, without calling AWS, prompting or importing botocore."""
        return self.sessions.cached(self.cache_key(account))

    def credentials(self, account: Account) -> CachedSession:
        """Role credentials for ``account``: the cached provider around the source and AssumeRole step."""
        key = self.cache_key(account)
        found = self.sessions.cached(key)
        if found:
            log.debug("session for %s served from the cache", account.name)
            return found
        if self.guard.inherited(account.name):  # before the lock: the trayapp up the chain holds it
            raise UsageError(SELF_SOURCE)
        return self.sessions.get(key, lambda: self.fetch(account))

    def cache_key(self, account: Account) -> str:
        """From the source's description and the request itself; holds no secret, needs no network."""
        if account.source == "config":
            return config_account_key(account, self.config.primary, self.environ)
        source: dict[str, object] = {"kind": account.source, "profile": account.name}
        if account.source == "aws-sso":
            source["sso_session"] = account.sso_session
            return session_key(source, {"AccountId": account.account_id, "RoleName": account.role_name})
        source["chain"] = list(account.source_chain) or [account.source_profile]
        return session_key(source, self.request(account))

    def request(self, account: Account) -> Request:
        """The AssumeRole parameters the account's config asks for (before the session name and code)."""
        if account.source == "config":
            return config_account_request(account, self.config.primary)
        return role_request(
            account.role_arn,
            account.external_id,
            account.mfa_serial,
            capped(account.duration_seconds, account.chained),
            account.role_session_name,
        )

    def mfa_serial(self, account: Account) -> str | None:
        serial = self.request(account).get("SerialNumber")
        return str(serial) if serial else None

    def duration(self, account: Account, temporary_source: bool = False) -> int | None:
        """The account's duration; role chaining (or temporary source keys) keeps AWS's 1-hour cap."""
        return capped(account.duration_seconds, account.chained or temporary_source)

    def sts_region(self, account: Account) -> str:
        """The primary's region, unless the role lives in another partition."""
        region = self.config.primary.region
        if ids.partition_of_region(region) != account.partition:
            return self.config.region_for(account)
        return region

    # -- the source providers ----------------------------------------------------------------

    def fetch(self, account: Account) -> CachedSession:
        """A new session: the account's source signs the AssumeRole (botocore's source for AWS profiles)."""
        if account.source == "config":
            session = self.boto_session(self.config.primary.profile)
            return self.assume(account, session, self.source_credentials(session, account.name))
        from trayapp.core.profiles import BotocoreProfiles, HopCache, serial_of

        def prompter(text: str) -> str:
            return self.ask_code(serial_of(text), account, None)

        resolver = BotocoreProfiles(account.name, prompter, HopCache(self.cache, account.name), self.guard)
        if self.guard.inherited(account.name):
            raise UsageError(SELF_SOURCE)
        with self.guard.looking_up(account.name):
            if account.sso_session:
                core = resolver.sso_session(account.sso_session, account.account_id, account.role_name)
            else:
                core = resolver.session()
            profile = core.full_config.get("profiles", {}).get(account.name, {})
            if account.source == "aws-sso" or (
                profile.get("role_arn") and profile.get("web_identity_token_file")
            ):
                frozen, expiry = resolver.whole(core)
                return self.whole_session(account, frozen, expiry)
            session = core
            region = None
            if profile.get("role_arn"):
                region = core.get_config_variable("region")  # where botocore would send it: the profile's
                region = region if isinstance(region, str) and ids.REGION.fullmatch(region) else None
                _, frozen = resolver.role_source(core)
            elif account.source_profile:
                frozen = resolver.profile_source(core, account.source_profile)
            else:  # an AESR-style profile without a source: the primary signs, as for config accounts
                session = self.boto_session(self.config.primary.profile)
                frozen = self.source_credentials(session, account.name)
        return self.assume(account, session, frozen, account.source_profile or "primary", region)

    def whole_session(self, account: Account, frozen: Any, expiry: datetime | None) -> CachedSession:
        """A session botocore fetched whole (IAM Identity Center, web identity)."""
        if expiry is None:
            raise AwsError(f"AWS profile {account.name!r} gave credentials without an expiry time")
        return CachedSession(
            account=account.name,
            role_arn=account.role_arn,
            credentials=RoleCredentials(
                access_key_id=frozen.access_key,
                secret_access_key=frozen.secret_key,
                session_token=frozen.token or "",
                expiration=stamp(expiry),
            ),
            chained=True,  # not AssumeRole from an IAM user's keys: no SessionDuration at sign-in
        )

    # -- the AssumeRole step -----------------------------------------------------------------

    def assume(
        self, account: Account, session: Any, frozen: Any, source: str = "primary", region: str | None = None
    ) -> CachedSession:
        """AssumeRole signed by ``frozen``: the request as keyed, a session name, and a code per try."""
        params: dict[str, Any] = dict(self.request(account))
        if "RoleSessionName" not in params:
            params["RoleSessionName"] = self.session_name(account, session, frozen, region)
        if frozen.token and int(params.get("DurationSeconds") or 0) > CHAINING_CAP:
            params["DurationSeconds"] = CHAINING_CAP
        if account.duration_seconds and int(params.get("DurationSeconds") or 0) < account.duration_seconds:
            # Said once per new session (not on every cache lookup).
            log.warning("%s is reached with temporary credentials: duration capped at 1 hour", account.name)
        serial = params.get("SerialNumber")
        secrets = [frozen.secret_key, frozen.token]
        problem = None
        for attempt in (1, 2):
            if serial:
                code = self.ask_code(serial, account, problem)
                params["TokenCode"] = code
                secrets.append(code)
            client = self.sts_client(session, frozen, region or self.sts_region(account))
            try:
                answer = self.call(client, "assume_role", params, account, secrets, not serial, source)
            except MfaRejected:
                if attempt == 2:
                    raise AwsError(
                        f"Could not assume role in {account.display_name}: the MFA code was not accepted twice"
                    ) from None
                problem = CodeProblem.REJECTED
                continue
            return CachedSession(
                account=account.name,
                role_arn=account.role_arn,
                credentials=RoleCredentials.from_sts(answer["Credentials"]),
                assumed_role_arn=answer.get("AssumedRoleUser", {}).get("Arn", ""),
                chained=account.chained or bool(frozen.token),
            )
        raise AssertionError("unreachable")

    def ask_code(self, serial: str, account: Account, problem: CodeProblem | None) -> str:
        for _ in range(3):
            code = self.prompt(serial, account, problem)
            if code is None:
                raise Cancelled("MFA prompt cancelled; nothing was done")
            code = code.strip()
            if ids.MFA_CODE.fullmatch(code):
                return code
            problem = CodeProblem.MALFORMED
        raise UsageError("no valid 6-digit MFA code was entered")

    def session_name(
        self, account: Account, session: Any = None, frozen: Any = None, region: str | None = None
    ) -> str:
        """RoleSessionName from the primary user's name (GetCallerIdentity), like the AWS CLI's botocore-session.

        Pass the source ``session`` and ``frozen`` credentials already loaded, so that a source role
        profile is not assumed (nor its MFA asked for) a second time.
        """
        label = self.config.primary.label
        if label:
            return session_name_from(label)
        try:
            if session is None or frozen is None:
                found = self.identity(self.source_profile(account), self.sts_region(account))
            else:
                found = self.identity_of(session, frozen, region or self.sts_region(account))
            return session_name_from(found.user_name)
        except DeadlineError:
            raise  # the endpoint is too slow: AssumeRole would wait as long again
        except AwsError:
            return "trayapp"

    def call(
        self,
        client: Any,
        operation: str,
        params: dict[str, Any],
        account: Account | None,
        secrets: list[Any],
        retry: bool,
        source: str = "primary",
    ) -> dict[str, Any]:
        """One STS call (throttling retried only with ``retry``) whose errors hold no secret."""

        def refuse(code: str, message: str, attempts: int) -> Exception:
            if is_mfa_rejection(code, message):
                return MfaRejected()
            where = "primary" if source == "primary" else f"source profile {source!r}"
            return AwsError(explain(code, scrub(message, secrets), account, client, attempts, where))

        return call_aws(lambda: getattr(client, operation)(**params), client, "AWS STS", retry, refuse)
