"""Typed STS failures and the one table that explains an AWS error code to a user in one sentence."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from trayapp.core.awscall import THROTTLE_CODES
from trayapp.core.errors import AwsError, TrayappError, UsageError
from trayapp.core.model import Account

MFA_FAILED = "MultiFactorAuthentication failed"  # AWS's own wording for a refused code (AccessDenied)


class CodeProblem(StrEnum):
    """Why an MFA prompt asks again: prompts decide on the member, never on its wording, and show its text."""

    MALFORMED = "An MFA code is exactly 6 digits."
    REJECTED = "That code was not accepted (wrong, expired or already used). Enter the next code."


class Cancelled(TrayappError):
    """The user cancelled the MFA prompt: nothing is wrong, nothing was done."""

    exit_code = 1


class MfaRejected(AwsError):
    """STS refused the MFA code (it is single-use: ask for the next one, never retry it)."""


class SourceRefused(UsageError):
    """The AWS config gives a profile no usable source (botocore refuses it too); nothing was sent."""


class NoSourceCredentials(AwsError):
    """The source the account names has no credentials."""


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """Remove secret values from a message that came from elsewhere (AWS, botocore)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[hidden]")
    return text


def is_mfa_rejection(code: str, message: str) -> bool:
    """AWS says a refused MFA code only in an AccessDenied message: the one place text is read."""
    return code == "AccessDenied" and MFA_FAILED in message


# What an error code means; STS (query protocol) and JSON-protocol services spell the same failure apart.
KINDS = {
    "AccessDenied": "denied",
    "AccessDeniedException": "denied",
    "ExpiredToken": "expired",
    "ExpiredTokenException": "expired",
    "InvalidClientTokenId": "unknown-key",
    "UnrecognizedClientException": "unknown-key",
    "SignatureDoesNotMatch": "bad-signature",
    "InvalidSignatureException": "bad-signature",
    "RegionDisabledException": "region-disabled",
    **dict.fromkeys(THROTTLE_CODES, "throttled"),  # the codes call_aws backs off from
}


def reason(
    code: str,
    message: str,
    keys: str = "the primary",
    region: str = "",
    tries: int = 1,
    own: Mapping[str, str] | None = None,
) -> str:
    """Why an AWS call failed, in words: ``own`` is a caller's wording for some codes or kinds (its permission).

    ``keys`` names the credentials that signed ("the primary", "the source profile 'x'"); ``message``
    must already be scrubbed of secrets: only its first 200 characters are shown, for unknown codes.
    """
    kind = KINDS.get(code, code)
    if own and (code in own or kind in own):
        return own.get(code) or own[kind]
    if kind == "denied":
        return "access denied (the role's trust policy or your IAM permissions do not allow it)"
    if kind == "expired":
        return f"{keys} credentials have expired; refresh them and try again"
    if kind == "unknown-key":
        return f"AWS does not recognise {keys} access key (deactivated, deleted or mistyped)"
    if kind == "bad-signature":
        return f"{keys} secret key is wrong, or this computer's clock is more than 15 minutes off"
    if kind == "region-disabled":
        return (
            f"STS is not activated in {region} for {keys} account; activate it in IAM or set [primary] region"
        )
    if kind == "throttled":
        if tries > 1:
            return f"AWS is throttling requests; tried {tries} times, try again in a minute"
        return "AWS is throttling requests; try again in a minute"
    return f"AWS said {code or 'no'}: {message[:200]}"


def explain(
    code: str, message: str, account: Account | None, client: Any, tries: int = 1, source: str = "primary"
) -> str:
    """One sentence for an STS error code, the way a user would want it said; ``source`` names the signer."""
    where = (
        f"Could not assume role in {account.display_name}"
        if account
        else "Could not check the primary identity"
    )
    keys = "the primary" if source == "primary" else f"the {source}"
    region = getattr(getattr(client, "meta", None), "region_name", "")
    if code == "ValidationError" and "chaining" in message:  # AWS's wording: the only way to tell
        why = "the role is reached by role chaining, which AWS caps at 1 hour; set duration to 1h or less"
    elif code == "ValidationError" and "DurationSeconds" in message:
        why = "the duration is longer than the role's maximum session duration; lower duration"
    else:
        why = reason(code, message, keys, region, tries)
    return f"{where}: {why}"
