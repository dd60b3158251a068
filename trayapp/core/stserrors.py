"""Typed STS failures and the one-sentence table that explains an STS error code to a user."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trayapp.core.errors import AwsError, TrayappError, UsageError
from trayapp.core.model import Account

MFA_FAILED = "MultiFactorAuthentication failed"  # AWS's own wording for a refused code (AccessDenied)


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
    reasons: dict[str, str] = {
        "AccessDenied": "access denied (the role's trust policy or your IAM permissions do not allow it)",
        "ExpiredToken": f"{keys} credentials have expired; refresh them and try again",
        "InvalidClientTokenId": f"AWS does not recognise {keys} access key (deactivated, deleted or mistyped)",
        "SignatureDoesNotMatch": f"{keys} secret key is wrong, or this computer's clock is more than 15 minutes off",
        "RegionDisabledException": f"STS is not activated in {region} for {keys} account; activate it in IAM or set [primary] region",
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
