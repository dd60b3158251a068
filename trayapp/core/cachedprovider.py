"""aws-vault's CachedSessionProvider shape: a fresh cached session, else one fetch per key for every waiter.

It knows nothing of how a session is made: the key and the fetch come from the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from trayapp.core.cache import CachedSession, SessionCache
from trayapp.core.clock import Clock
from trayapp.core.keylocks import KeyLocks, locks_for

log = logging.getLogger(__name__)


class CachedProvider:
    """Serves sessions from ``cache`` while fresh (15-minute refresh margin); one lock per key around a fetch."""

    def __init__(self, cache: SessionCache, clock: Clock, locks: KeyLocks | None = None):
        self.cache = cache
        self.clock = clock
        self.locks = locks or locks_for(cache)

    def cached(self, key: str) -> CachedSession | None:
        """The fresh session under ``key``, without a lock, a network call or botocore."""
        found = self.cache.get(key)
        return found if found and found.fresh(self.clock()) else None

    def get(self, key: str, fetch: Callable[[], CachedSession]) -> CachedSession:
        """The cached session, else ``fetch()`` once: later callers wait on the lock, then read the cache."""
        found = self.cached(key)
        if found:
            return found
        with self.locks.lock(key):
            found = self.cached(key)  # another process or thread fetched it while we waited
            if found:
                log.debug("session fetched by another caller")
                return found
            fresh = fetch()
            self.cache.put(key, fresh)
            return fresh
