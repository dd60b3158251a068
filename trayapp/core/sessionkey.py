"""The session cache key: a hash of who signs and the exact AssumeRole request; pure, no boto3.

The cache-hit fast path computes it from trayapp's config and the environment alone, before
boto3 is imported, so this module imports nothing but the standard library.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trayapp.core.model import Account, Primary

CHAINING_CAP = 3600  # AWS caps role chaining (and AssumeRole from temporary keys) at one hour
Request = dict[str, str | int]


def capped(seconds: int | None, chained: bool) -> int | None:
    """The duration asked for, held to AWS's 1-hour cap when the role is reached by chaining."""
    if seconds and chained and seconds > CHAINING_CAP:
        return CHAINING_CAP
    return seconds


def role_request(
    role_arn: str,
    external_id: str | None = None,
    serial: str | None = None,
    duration: int | None = None,
    session_name: str | None = None,
) -> Request:
    """The AssumeRole parameters known before any call (TokenCode and a generated session name come later)."""
    request: Request = {"RoleArn": role_arn}
    if session_name:
        request["RoleSessionName"] = session_name
    if external_id:
        request["ExternalId"] = external_id
    if serial:
        request["SerialNumber"] = serial
    if duration:
        request["DurationSeconds"] = duration
    return request


def session_key(source: Mapping[str, object], request: Mapping[str, object]) -> str:
    """40 hex digits from the source principal's description and the request; holds no secret."""
    import hashlib  # OpenSSL's libcrypto: ~3.5 MiB, which the tray needs only once it uses a session

    shape = json.dumps({"source": source, "request": request}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(shape.encode()).hexdigest()[:40]


def primary_source(profile: str | None, environ: Mapping[str, str]) -> dict[str, str | None]:
    """The primary keys named the way boto3 picks them: [primary] profile, else env keys or AWS_PROFILE."""
    return {
        "kind": "primary",
        "profile": profile or environ.get("AWS_PROFILE") or "default",
        "env_key": None if profile else environ.get("AWS_ACCESS_KEY_ID"),
    }


def config_account_request(account: Account, primary: Primary) -> Request:
    """The AssumeRole request for an account of trayapp's own config ([primary] mfa_serial applies)."""
    return role_request(
        account.role_arn,
        account.external_id,
        account.mfa_serial or primary.mfa_serial,
        capped(account.duration_seconds, account.chained),
        account.role_session_name,
    )


def config_account_key(account: Account, primary: Primary, environ: Mapping[str, str]) -> str:
    """The cache key of an account from trayapp's config: its primary source and its request."""
    return session_key(primary_source(primary.profile, environ), config_account_request(account, primary))
