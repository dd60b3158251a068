"""Expiry times: aware UTC in, RFC 3339 UTC out, from every STS answer alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from trayapp.core.clock import parse_expiration, stamp
from trayapp.core.model import RoleCredentials

BERLIN = timezone(timedelta(hours=1))


def test_stamp_is_utc_whatever_the_zone_given() -> None:
    assert stamp(datetime(2026, 11, 28, 23, 0, tzinfo=BERLIN)) == "2026-11-28T22:00:00Z"
    assert parse_expiration(stamp(datetime(2026, 11, 28, 22, 0, tzinfo=UTC))) == datetime(
        2026, 11, 28, 22, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "expiration",
    [datetime(2026, 11, 28, 23, 0, tzinfo=BERLIN), "2026-11-28T22:00:00Z", "2026-11-28T23:00:00+01:00"],
)
def test_credentials_from_any_sts_answer(expiration: object) -> None:
    creds = RoleCredentials.from_sts(
        {"AccessKeyId": "AKIA", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": expiration}
    )
    assert (creds.access_key_id, creds.expiration) == ("AKIA", "2026-11-28T22:00:00Z")


def test_an_expiry_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        RoleCredentials.from_sts(
            {
                "AccessKeyId": "A",
                "SecretAccessKey": "s",
                "SessionToken": "t",
                "Expiration": "2026-11-28T22:00:00",
            }
        )
