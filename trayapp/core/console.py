"""Pure builders for console URLs: switch-role links, destinations, federation sign-in, logout."""

from __future__ import annotations

import ipaddress
import json
from typing import NamedTuple
from urllib.parse import parse_qs, quote, urlencode, urlsplit, urlunsplit

from trayapp.core import identifiers as ids
from trayapp.core.colors import nearest_palette_color
from trayapp.core.errors import UsageError
from trayapp.core.model import Account, ConsoleMode, RoleCredentials

SIGNIN_HOST = {
    "aws": "signin.aws.amazon.com",
    "aws-us-gov": "signin.amazonaws-us-gov.com",
    "aws-cn": "signin.amazonaws.cn",
}
CONSOLE_DOMAIN = {
    "aws": "console.aws.amazon.com",
    "aws-us-gov": "console.amazonaws-us-gov.com",
    "aws-cn": "console.amazonaws.cn",
}
DISPLAY_NAME_MAX = ids.DISPLAY_NAME_MAX  # the page cuts longer labels
ISSUER = "https://github.com/trayapp/trayapp"


def quote_all(value: str) -> str:
    """Percent-encode everything but unreserved characters, so '/' and '+' survive the trip."""
    return quote(value, safe="")


def _query(params: dict[str, str]) -> str:
    return urlencode(params, quote_via=lambda v, *_: quote_all(v))


def console_host(partition: str, region: str) -> str:
    """The console host for a region (the bare host for us-east-1 and outside the aws partition)."""
    domain = CONSOLE_DOMAIN[partition]
    return domain if partition != "aws" or region == "us-east-1" else f"{region}.{domain}"


def destination_url(partition: str, region: str, target: str | None = None) -> str:
    """Console URL for a service ("s3"), a path ("/billing/home") or, by default, the console home."""
    base = f"https://{console_host(partition, region)}"
    if target and target.startswith("/"):
        split = urlsplit(target)
        if "region" in parse_qs(split.query, keep_blank_values=True):
            return base + target
        query = f"{split.query}&region={region}" if split.query else f"region={region}"
        # The region goes in the query, before any "#fragment" the console uses for its own routing.
        return base + urlunsplit(("", "", split.path, query, split.fragment))
    return f"{base}/{target or 'console'}/home?region={region}"


class Blocker(NamedTuple):
    """Why the switch-role page cannot take an account: a few words for a menu, and the sentence."""

    words: str
    sentence: str


def switch_role_blocker(account: Account) -> Blocker | None:
    """What keeps the switch-role page from taking this account; None when it can."""
    if account.source == "aws-sso":
        return Blocker(
            "an IAM Identity Center account",
            "an IAM Identity Center account is reached through its own sign-in, not by switching role "
            "from the primary; use signed sign-in",
        )
    if account.external_id:
        return Blocker(
            "needs an external id",
            "the console cannot switch to a role that requires an external id; use signed sign-in",
        )
    if len(account.role_name) > ids.SWITCH_ROLE_MAX:
        return Blocker(
            "role path too long",
            f"role path + name is {len(account.role_name)} characters and the console's switch-role "
            f"page takes at most {ids.SWITCH_ROLE_MAX}; use signed sign-in",
        )
    return None


def switch_role_problem(account: Account) -> str | None:
    """Why the console's switch-role page cannot take this account, or None when it can."""
    blocker = switch_role_blocker(account)
    return blocker.sentence if blocker else None


def default_mode(configured: ConsoleMode, account: Account) -> ConsoleMode:
    """The configured console mode, except signed for accounts the switch-role page cannot take."""
    if configured == "switch-role" and switch_role_blocker(account):
        return "signed"
    return configured


def switch_role_url(
    account: Account, region: str | None = None, service: str | None = None, default_region: str = "us-east-1"
) -> str:
    """The console switch-role link for an account; a redirect is added when a place was asked for."""
    problem = switch_role_problem(account)
    if problem:
        raise UsageError(f"{account.display_name}: {problem}")
    params = {
        "account": account.account_id,
        "roleName": account.role_name,
        "displayName": account.display_name[:DISPLAY_NAME_MAX],
    }
    palette = nearest_palette_color(account.color) if account.color else None
    if palette:  # greys, black and white have no palette colour: no color rather than a wrong one
        params["color"] = palette
    target = service or account.destination
    where = region or account.region
    if target or where:
        params["redirect_uri"] = destination_url(account.partition, where or default_region, target)
    return f"https://{SIGNIN_HOST[account.partition]}/switchrole?{_query(params)}"


def federation_endpoint(partition: str, override: str | None = None) -> str:
    """Base URL of the federation endpoint: the partition's sign-in host, or a vetted override."""
    if not override:
        return f"https://{SIGNIN_HOST[partition]}/federation"
    parts = urlsplit(override)
    host = (parts.hostname or "").lower()
    loopback = host == "localhost" or _is_loopback_ip(host)
    aws_host = any(host == h or host.endswith("." + h) for h in SIGNIN_HOST.values())
    if not (parts.scheme in ("http", "https") and (loopback or (aws_host and parts.scheme == "https"))):
        raise UsageError(
            "TRAYAPP_SIGNIN_ENDPOINT must be an http(s) URL on a loopback host or an https URL on an AWS sign-in host"
        )
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{path if path.endswith('/federation') else path + '/federation'}"


def _is_loopback_ip(host: str) -> bool:
    """True for 127.0.0.0/8 and ::1 written as addresses; a name such as 127.example.com is not one."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def signin_token_url(endpoint: str, credentials: RoleCredentials, session_duration: int | None) -> str:
    """The getSigninToken request URL; it carries the secret key, so treat it as a secret."""
    session = json.dumps(
        {
            "sessionId": credentials.access_key_id,
            "sessionKey": credentials.secret_access_key,
            "sessionToken": credentials.session_token,
        }
    )
    params = {"Action": "getSigninToken"}
    if session_duration is not None:
        params["SessionDuration"] = str(session_duration)
    params["Session"] = session
    return f"{endpoint}?{_query(params)}"


def login_url(endpoint: str, token: str, destination: str, issuer: str = ISSUER) -> str:
    """The federation login URL: a secret valid for 15 minutes, built just before it is opened."""
    params = {"Action": "login", "Issuer": issuer, "Destination": destination, "SigninToken": token}
    return f"{endpoint}?{_query(params)}"


def logout_url(partition: str = "aws", redirect: str | None = None) -> str:
    """Console sign-out; the redirect works on the us-east-1 sign-in host only (AWS-FACTS.md)."""
    if redirect is None:
        return f"https://{SIGNIN_HOST[partition]}/oauth?Action=logout"
    host = "us-east-1." + SIGNIN_HOST[partition] if partition == "aws" else SIGNIN_HOST[partition]
    return f"https://{host}/oauth?{_query({'Action': 'logout', 'redirect_uri': redirect})}"


def primary_signin_url(partition: str, account_id: str | None) -> str:
    """The IAM-user sign-in page of the primary account (the account pre-filled when known)."""
    if account_id:
        return f"https://{account_id}.{SIGNIN_HOST[partition]}/console"
    return f"https://{CONSOLE_DOMAIN[partition]}/"
