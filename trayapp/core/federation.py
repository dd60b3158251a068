"""Back to primary without a password: a signed console session for the primary IAM user itself.

The way ``aws-vault login`` does it for an IAM user: GetFederationToken with the user's long-term
keys and a policy that allows everything, so the session keeps exactly the user's own permissions
(a session policy can only narrow them), then the federation endpoint's getSigninToken and login.

What such a console session can and cannot do (STS API reference, GetFederationToken,
"Permissions"): IAM works in the console (the API restriction does not apply to console sessions),
but no STS call except GetCallerIdentity, so switching roles from that console does not work;
GetFederationToken takes no MFA code, so actions whose policy requires MFA are refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from trayapp.core.awscall import CONNECT_TIMEOUT, READ_TIMEOUT, call_aws, client_for
from trayapp.core.console import destination_url, federation_endpoint, login_url, signin_token_url
from trayapp.core.errors import AwsError, TrayappError, UsageError
from trayapp.core.identifiers import partition_of_region
from trayapp.core.lookup import LookupGuard
from trayapp.core.model import Primary, RoleCredentials
from trayapp.core.state import FEDERATED_CONSOLE
from trayapp.core.stserrors import reason, scrub

PASS_THROUGH_POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    separators=(",", ":"),
)
FEDERATION_SECONDS = int(FEDERATED_CONSOLE.total_seconds())  # 12 h: STS's default for this call
NAME_MAX = 32  # GetFederationToken Name: 2..32 of [\w+=,.@-]
TIMEOUTS = (CONNECT_TIMEOUT, READ_TIMEOUT)
WHERE = "Could not open the console as the primary IAM user"
OWN_REASONS = {"denied": "access denied (the IAM user needs permission for sts:GetFederationToken)"}


def federated_name(label: str) -> str:
    """A valid GetFederationToken Name from the user's name or label."""
    name = re.sub(r"[^\w+=,.@-]", "-", label, flags=re.ASCII).strip("-")[:NAME_MAX]
    return name if len(name) >= 2 else "trayapp"


def primary_keys(primary: Primary, environ: Mapping[str, str]) -> tuple[Any, Any]:
    """The botocore session and frozen long-term keys of the primary IAM user (core/primary.py finds them)."""
    from trayapp.core.primary import boto_session, primary_credentials

    session = boto_session(primary.profile)
    try:
        frozen = primary_credentials(session, LookupGuard(environ))
    except TrayappError as exc:
        raise type(exc)(f"{WHERE}: {exc}") from None
    if frozen.token:
        raise UsageError(
            f"{WHERE}: GetFederationToken needs the IAM user's long-term keys, and [primary] profile gives "
            'temporary credentials; use back = "sign-in-page" or a profile with long-term keys'
        )
    return session, frozen


def federation_token(
    primary: Primary, name: str, environ: Mapping[str, str], timeouts: tuple[float, float] = TIMEOUTS
) -> RoleCredentials:
    """GetFederationToken for the primary user, with the pass-through policy, for 12 hours."""
    session, frozen = primary_keys(primary, environ)
    client = client_for("sts", session, frozen, primary.region, timeouts)
    secrets = [frozen.secret_key]

    def refuse(code: str, message: str, attempts: int) -> Exception:
        why = reason(code, scrub(message, secrets), tries=attempts, own=OWN_REASONS)
        return AwsError(f"{WHERE}: {why}")

    answer = call_aws(
        lambda: client.get_federation_token(
            Name=federated_name(name), Policy=PASS_THROUGH_POLICY, DurationSeconds=FEDERATION_SECONDS
        ),
        client,
        "AWS STS",
        True,
        refuse,
        WHERE,
    )
    return RoleCredentials.from_sts(answer["Credentials"])


def federated_login_url(
    primary: Primary, name: str, environ: Mapping[str, str], timeouts: tuple[float, float] = TIMEOUTS
) -> tuple[str, str]:
    """The console login URL (a secret) for the primary user itself, and when that session ends.

    No SessionDuration: AWS refuses it for GetFederationToken credentials; the console session
    lasts as long as the token (12 hours asked; AWS gives a root user one hour).
    """
    from trayapp.core.signin import fetch_signin_token

    partition = partition_of_region(primary.region)
    endpoint = federation_endpoint(partition, environ.get("TRAYAPP_SIGNIN_ENDPOINT"))
    credentials = federation_token(primary, name, environ, timeouts)
    token = fetch_signin_token(signin_token_url(endpoint, credentials, None))
    return login_url(endpoint, token, destination_url(partition, primary.region)), credentials.expiration
