"""The AWS engine: primary keys -> AssumeRole (MFA when configured) -> cached role sessions."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any, Protocol

from trayapp.core import identifiers as ids
from trayapp.core.awscall import DeadlineError, call_aws, client_for
from trayapp.core.cache import CachedSession, Clock, SessionCache, utc_now
from trayapp.core.errors import AwsError, TrayappError, UsageError
from trayapp.core.model import Account, Config, RoleCredentials

log = logging.getLogger(__name__)

CHAINING_CAP = 3600
CONNECT_TIMEOUT, READ_TIMEOUT = 5.0, 10.0
MFA_FAILED = "MultiFactorAuthentication failed"
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


class MfaPrompt(Protocol):
    """Asks the user for a 6-digit code; returns None when they cancel. May block: never call it on a UI thread."""

    def __call__(self, serial: str, account: Account, problem: str | None) -> str | None: ...


class Cancelled(TrayappError):
    """The user cancelled the MFA prompt: nothing is wrong, nothing was done."""

    exit_code = 1


@dataclass(frozen=True)
class Identity:
    """Who the primary keys belong to (from GetCallerIdentity)."""

    arn: str
    account_id: str

    @property
    def user_name(self) -> str:
        return self.arn.rsplit("/", 1)[-1] if ":user/" in self.arn else self.arn.rsplit(":", 1)[-1]


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """Remove secret values from a message that came from elsewhere (AWS, botocore)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[hidden]")
    return text


def session_name_from(user: str) -> str:
    """A valid RoleSessionName (2..64 of [\\w+=,.@-], never '/') from a user name."""
    name = re.sub(r"[^\w+=,.@-]", "-", user, flags=re.ASCII).strip("-")[:64]
    return name if len(name) >= 2 else "trayapp"


class SessionProvider:
    """Turns the primary's long-term keys into role sessions, reusing cached ones while fresh.

    Blocking (network, MFA prompt): call it from a worker thread in the tray. One call per
    account runs at a time; a second caller for the same account waits and gets the same result.
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
        self.environ = os.environ if environ is None else environ
        self.config = config
        self.cache = cache
        self.prompt = prompt
        self.clock = clock
        self.timeouts = timeouts
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._identities: dict[str, Identity] = {}

    # -- primary -----------------------------------------------------------------------------

    def source_profile(self, account: Account | None) -> str | None:
        """The profile whose keys call AssumeRole: the AWS profile's source, else primary.profile."""
        if account is not None and account.source == "aws-config":
            return account.source_profile
        return self.config.primary.profile

    def boto_session(self, profile: str | None) -> Any:
        import boto3
        from botocore.exceptions import ProfileNotFound

        try:
            return boto3.Session(profile_name=profile)
        except ProfileNotFound:
            raise UsageError(
                f"AWS profile {profile!r} not found in the AWS config or credentials files"
            ) from None

    def source_credentials(self, session: Any, wanted: str = PRIMARY_LOOKUP) -> Any:
        """Frozen credentials of the source profile for the account ``wanted``; AwsError when there are none."""
        from botocore.exceptions import BotoCoreError, ClientError

        if LOOKUP.inherited(wanted):
            raise UsageError(SELF_SOURCE)
        try:
            with LOOKUP.looking_up(wanted):
                credentials = session.get_credentials()
                frozen = credentials.get_frozen_credentials() if credentials else None
        except (BotoCoreError, ClientError) as exc:
            if SELF_SOURCE in str(exc):
                raise UsageError(SELF_SOURCE) from None
            raise AwsError(f"could not load the primary credentials: {type(exc).__name__}") from None
        if frozen is None or not frozen.access_key:
            raise AwsError(
                "no AWS credentials found for the primary IAM user; set [primary] profile in the config, "
                "or configure keys with 'aws configure'"
            )
        return frozen

    def sts_client(self, session: Any, frozen: Any, region: str) -> Any:
        return client_for("sts", session, frozen, region, self.timeouts)

    def identity(self, profile: str | None = None, region: str | None = None) -> Identity:
        """GetCallerIdentity for the primary keys, remembered per access key."""
        session = self.boto_session(profile)
        return self.identity_of(session, self.source_credentials(session), region)

    def identity_of(self, session: Any, frozen: Any, region: str | None = None) -> Identity:
        """GetCallerIdentity for credentials already loaded (no second credential lookup or prompt)."""
        if frozen.access_key in self._identities:
            return self._identities[frozen.access_key]
        client = self.sts_client(session, frozen, region or self.config.primary.region)
        answer = self.call(
            client, "get_caller_identity", {}, None, [frozen.secret_key, frozen.token], retry=True
        )
        found = Identity(arn=answer["Arn"], account_id=answer["Account"])
        self._identities[frozen.access_key] = found
        return found

    # -- role sessions -----------------------------------------------------------------------

    def cached(self, account: Account) -> CachedSession | None:
        """A fresh cached session for the account, without calling AWS, prompting or importing boto3."""
        found = self.cache.get(self.cache_key(account))
        return found if found and found.fresh(self.clock()) else None

    def credentials(self, account: Account) -> CachedSession:
        """Role credentials for ``account``: from the cache while fresh, else AssumeRole."""
        with self._lock_for(account.name):
            found = self.cached(account)
            if found:
                log.debug("session for %s served from the cache", account.name)
                return found
            session = self.boto_session(self.source_profile(account))
            fresh = self.assume(account, session, self.source_credentials(session, account.name))
            self.cache.put(self.cache_key(account), fresh)
            return fresh

    def cache_key(self, account: Account) -> str:
        """Covers everything that changes the session (source identity, role, external id, MFA, duration).

        The source is named the way boto3 picks it (explicit profile, else AWS_PROFILE, else env keys,
        else "default"), so a cache hit needs neither boto3 nor the network. The key holds no secret.
        """
        profile = self.source_profile(account)
        shape = {
            "profile": profile or self.environ.get("AWS_PROFILE") or "default",
            "env_key": None if profile else self.environ.get("AWS_ACCESS_KEY_ID"),
            "role": account.role_arn,
            "external_id": account.external_id,
            "mfa": self.mfa_serial(account),
            "duration": self.duration(account),
            "name": account.role_session_name,
        }
        return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:40]

    def mfa_serial(self, account: Account) -> str | None:
        if account.source == "aws-config":
            return account.mfa_serial
        return account.mfa_serial or self.config.primary.mfa_serial

    def duration(self, account: Account, temporary_source: bool = False) -> int | None:
        """The account's duration; role chaining (or temporary source keys) keeps AWS's 1-hour cap."""
        seconds = account.duration_seconds
        if seconds and (account.chained or temporary_source) and seconds > CHAINING_CAP:
            return CHAINING_CAP
        return seconds

    def sts_region(self, account: Account) -> str:
        """The primary's region, unless the role lives in another partition."""
        region = self.config.primary.region
        if ids.partition_of_region(region) != account.partition:
            return self.config.region_for(account)
        return region

    def assume(self, account: Account, session: Any, frozen: Any) -> CachedSession:
        serial = self.mfa_serial(account)
        params: dict[str, Any] = {
            "RoleArn": account.role_arn,
            "RoleSessionName": account.role_session_name or self.session_name(account, session, frozen),
        }
        duration = self.duration(account, temporary_source=bool(frozen.token))
        if duration:
            params["DurationSeconds"] = duration
        if duration and account.duration_seconds and duration < account.duration_seconds:
            # Said once per new session (not on every cache lookup, which also computes the duration).
            log.warning("%s is reached with temporary credentials: duration capped at 1 hour", account.name)
        if account.external_id:
            params["ExternalId"] = account.external_id
        secrets = [frozen.secret_key, frozen.token]
        problem = None
        for attempt in (1, 2):
            if serial:
                code = self.ask_code(serial, account, problem)
                params.update(SerialNumber=serial, TokenCode=code)
                secrets.append(code)
            client = self.sts_client(session, frozen, self.sts_region(account))
            try:
                answer = self.call(client, "assume_role", params, account, secrets, retry=not serial)
            except MfaRejected:
                if attempt == 2:
                    raise AwsError(
                        f"Could not assume role in {account.display_name}: the MFA code was not accepted twice"
                    ) from None
                problem = "That code was not accepted (wrong, expired or already used). Enter the next code."
                continue
            creds = answer["Credentials"]
            expiration = creds["Expiration"]
            return CachedSession(
                account=account.name,
                role_arn=account.role_arn,
                credentials=RoleCredentials(
                    access_key_id=creds["AccessKeyId"],
                    secret_access_key=creds["SecretAccessKey"],
                    session_token=creds["SessionToken"],
                    expiration=expiration.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                ),
                assumed_role_arn=answer.get("AssumedRoleUser", {}).get("Arn", ""),
                chained=account.chained or bool(frozen.token),
            )
        raise AssertionError("unreachable")

    def ask_code(self, serial: str, account: Account, problem: str | None) -> str:
        for _ in range(3):
            code = self.prompt(serial, account, problem)
            if code is None:
                raise Cancelled("MFA prompt cancelled; nothing was done")
            code = code.strip()
            if ids.MFA_CODE.fullmatch(code):
                return code
            problem = "An MFA code is exactly 6 digits."
        raise UsageError("no valid 6-digit MFA code was entered")

    def session_name(self, account: Account, session: Any = None, frozen: Any = None) -> str:
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
                found = self.identity_of(session, frozen, self.sts_region(account))
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
    ) -> dict[str, Any]:
        """One STS call (throttling retried only with ``retry``) whose errors hold no secret."""

        def refuse(code: str, message: str, attempts: int) -> Exception:
            if code == "AccessDenied" and MFA_FAILED in message:
                return MfaRejected()
            return AwsError(explain(code, scrub(message, secrets), account, client, attempts))

        return call_aws(lambda: getattr(client, operation)(**params), client, "AWS STS", retry, refuse)

    def _lock_for(self, name: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(name, threading.Lock())


class MfaRejected(AwsError):
    """STS refused the MFA code (it is single-use: ask for the next one, never retry it)."""


def explain(code: str, message: str, account: Account | None, client: Any, tries: int = 1) -> str:
    """One sentence for an STS error code, the way a user would want it said."""
    where = (
        f"Could not assume role in {account.display_name}"
        if account
        else "Could not check the primary identity"
    )
    region = getattr(getattr(client, "meta", None), "region_name", "")
    reasons: dict[str, str] = {
        "AccessDenied": "access denied (the role's trust policy or your IAM permissions do not allow it)",
        "ExpiredToken": "the primary credentials have expired; refresh them and try again",
        "InvalidClientTokenId": "AWS does not recognise the primary access key (deactivated, deleted or mistyped)",
        "SignatureDoesNotMatch": "the primary secret key is wrong, or this computer's clock is more than 15 minutes off",
        "RegionDisabledException": f"STS is not activated in {region} for the primary account; activate it in IAM or set [primary] region",
        "Throttling": (
            f"AWS is throttling requests; tried {tries} times, try again in a minute"
            if tries > 1
            else "AWS is throttling requests; try again in a minute"
        ),
    }
    if code == "ValidationError" and "chaining" in message:
        reason = "the role is reached by role chaining, which AWS caps at 1 hour; set duration to 1h or less"
    elif code == "ValidationError" and "DurationSeconds" in message:
        reason = "the duration is longer than the role's maximum session duration; lower duration"
    elif code in reasons:
        reason = reasons[code]
    else:
        reason = f"AWS said {code or 'no'}: {message[:200]}"
    return f"{where}: {reason}"
