"""Signed console sign-in: role credentials -> getSigninToken -> a login URL (a secret)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping

from trayapp.core.awscall import within_deadline
from trayapp.core.cache import CachedSession
from trayapp.core.console import destination_url, federation_endpoint, login_url, signin_token_url
from trayapp.core.errors import AwsError
from trayapp.core.model import Account

SIGNIN_TIMEOUT = 10.0  # connect and each read
SIGNIN_DEADLINE = 30.0  # the whole exchange


def session_duration(account: Account, session: CachedSession) -> int | None:
    """SessionDuration only where AWS allows it: AssumeRole straight from long-term keys."""
    if session.chained or account.chained:
        return None
    return account.duration_seconds


def fetch_signin_token(url: str, timeout: float = SIGNIN_TIMEOUT, deadline: float = SIGNIN_DEADLINE) -> str:
    """GET getSigninToken within ``deadline`` seconds; errors never repeat the URL, which carries the secret key."""
    return within_deadline(lambda: _fetch_token(url, timeout), deadline, "the AWS sign-in service")


def _fetch_token(url: str, timeout: float) -> str:
    request = urllib.request.Request(url, headers={"User-Agent": "trayapp"})  # noqa: S310 - https or vetted loopback
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            body = answer.read(65536)
    except urllib.error.HTTPError as exc:
        raise AwsError(f"the AWS sign-in service refused the session (HTTP {exc.code})") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise AwsError(f"could not reach the AWS sign-in service: {network_reason(exc)}") from None
    try:
        token = json.loads(body)["SigninToken"]
    except (ValueError, KeyError, TypeError, RecursionError):
        raise AwsError("the AWS sign-in service gave an answer without a sign-in token") from None
    if not isinstance(token, str) or not token:
        raise AwsError("the AWS sign-in service gave an empty sign-in token")
    return token


def network_reason(exc: BaseException) -> str:
    """Why a request did not get through, in words (never "gaierror")."""
    import socket

    reason = getattr(exc, "reason", exc)
    if isinstance(reason, TimeoutError):
        return "it did not answer in time"
    if isinstance(reason, socket.gaierror):
        return "no network connection (its host name could not be looked up)"
    if isinstance(reason, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror[:1].lower() + reason.strerror[1:]
    return type(reason).__name__


def signed_login_url(
    account: Account,
    session: CachedSession,
    region: str,
    target: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """Build the federation login URL just before it is opened; never cache, log or show it."""
    override = (environ or {}).get("TRAYAPP_SIGNIN_ENDPOINT")
    endpoint = federation_endpoint(account.partition, override)
    request = signin_token_url(endpoint, session.credentials, session_duration(account, session))
    token = fetch_signin_token(request)
    destination = destination_url(account.partition, region, target or account.destination)
    return login_url(endpoint, token, destination)
