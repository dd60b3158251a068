"""Time as trayapp reads it: always aware UTC, from a clock that callers can inject."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, aware and in UTC (never naive local time)."""
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """RFC 3339 UTC (2026-11-28T22:00:00Z), the one format every expiry is stored and printed in."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_expiration(text: str) -> datetime:
    """An aware UTC datetime from an RFC 3339 string such as 2026-11-28T22:00:00Z."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("expiration without a time zone")
    return moment.astimezone(UTC)
