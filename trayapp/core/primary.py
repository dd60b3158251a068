"""The primary source: the IAM user's keys, found the way boto3 finds them ([primary] profile, else its chain)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trayapp.core.botodata import use_quick_loader
from trayapp.core.errors import AwsError, UsageError
from trayapp.core.lookup import PRIMARY_LOOKUP, SELF_SOURCE, LookupGuard
from trayapp.core.stserrors import NoSourceCredentials


def boto_session(profile: str | None, data_folder: Path | None = None) -> Any:
    """A botocore session for ``profile`` (None: the default chain); a new one per use, so rotated keys count.

    botocore, not boto3: boto3 adds nothing to an STS client and its import (s3transfer) costs
    about 100 ms of every cold sign-in. The profile is checked now, as ``boto3.Session`` does.
    ``data_folder`` keeps botocore's endpoints for our services (core/botodata.py).
    """
    import botocore.session
    from botocore.exceptions import ProfileNotFound

    try:
        session = botocore.session.Session(profile=profile)
        session.get_scoped_config()  # ProfileNotFound here, for the [primary] profile or AWS_PROFILE
        return use_quick_loader(session, data_folder)
    except ProfileNotFound:
        raise UsageError(
            f"AWS profile {profile!r} not found in the AWS config or credentials files"
        ) from None


def primary_credentials(session: Any, guard: LookupGuard, wanted: str = PRIMARY_LOOKUP) -> Any:
    """Frozen keys of the primary, looked up for the account ``wanted``; never a trayapp calling itself."""
    from botocore.exceptions import BotoCoreError, ClientError

    if guard.inherited(wanted):
        raise UsageError(SELF_SOURCE)
    try:
        with guard.looking_up(wanted):
            guard.arm_session(session)
            credentials = session.get_credentials()
            frozen = credentials.get_frozen_credentials() if credentials else None
    except (BotoCoreError, ClientError) as exc:
        if SELF_SOURCE in str(exc):  # a nested trayapp's own sentence, passed up through stderr
            raise UsageError(SELF_SOURCE) from None
        raise AwsError(f"could not load the primary credentials: {type(exc).__name__}") from None
    if frozen is None or not frozen.access_key:
        raise NoSourceCredentials(
            "no AWS credentials found for the primary IAM user; set [primary] profile in the config, "
            "or configure keys with 'aws configure'"
        )
    return frozen
