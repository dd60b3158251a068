"""The session cache key, in one place for the AWS engine and the cache-hit fast path (imports no boto3)."""

from __future__ import annotations

import json
from collections.abc import Mapping


def session_key(
    *,
    profile: str | None,
    role_arn: str,
    external_id: str | None,
    mfa_serial: str | None,
    duration: int | None,
    session_name: str | None,
    environ: Mapping[str, str],
) -> str:
    """Covers everything that changes the session (source identity, role, external id, MFA, duration).

    The source is named the way boto3 picks it (explicit profile, else AWS_PROFILE, else env keys,
    else "default"), so a cache hit needs neither boto3 nor the network. The key holds no secret.
    """
    import hashlib  # OpenSSL's libcrypto: ~3.5 MiB, which the tray needs only once it uses a session

    shape = {
        "profile": profile or environ.get("AWS_PROFILE") or "default",
        "env_key": None if profile else environ.get("AWS_ACCESS_KEY_ID"),
        "role": role_arn,
        "external_id": external_id,
        "mfa": mfa_serial,
        "duration": duration,
        "name": session_name,
    }
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:40]
