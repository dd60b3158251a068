"""The cached provider: fresh sessions from the cache, a fetch when less than 15 minutes are left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from trayapp.core.cache import CachedSession, MemoryCache
from trayapp.core.cachedprovider import CachedProvider
from trayapp.core.model import RoleCredentials

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def session(expires: datetime, key_id: str) -> CachedSession:
    return CachedSession(
        account="a",
        role_arn="arn:aws:iam::444455556666:role/r",
        credentials=RoleCredentials(key_id, "s", "t", expires.strftime("%Y-%m-%dT%H:%M:%SZ")),
    )


def test_fresh_sessions_come_from_the_cache_and_stale_ones_are_fetched_again() -> None:
    now = [NOW]
    provider = CachedProvider(MemoryCache(), lambda: now[0])
    fetched: list[str] = []

    def fetch() -> CachedSession:
        fetched.append("x")
        return session(now[0] + timedelta(hours=1), f"ASIA{len(fetched):016d}")

    first = provider.get("k", fetch)
    assert provider.get("k", fetch) == first and len(fetched) == 1
    now[0] = NOW + timedelta(minutes=44)  # 16 minutes left: still served
    assert provider.get("k", fetch) == first and len(fetched) == 1
    now[0] = NOW + timedelta(minutes=46)  # 14 minutes left: renewed
    assert provider.cached("k") is None
    assert provider.get("k", fetch) != first and len(fetched) == 2
    assert provider.get("other", fetch).credentials.access_key_id.endswith("3")  # keys are apart
