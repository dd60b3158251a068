"""One lock per session key, so processes and threads needing one session make one STS call."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from trayapp.core.errors import TrayappError
from trayapp.core.files import ensure_private_dir

WAIT_SECONDS = 300.0  # longer than any MFA prompt; a holder that died releases its lock with it


class KeyLocks(Protocol):
    """Hold ``lock(key)`` across "read the cache, else call STS and write the cache"."""

    def lock(self, key: str) -> contextlib.AbstractContextManager[None]: ...


class ThreadKeyLocks:
    """Locks for one process (the memory cache lives only there)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    @contextlib.contextmanager
    def lock(self, key: str) -> Iterator[None]:
        with self._guard:
            held = self._locks.setdefault(key, threading.Lock())
        with held:
            yield


class FileKeyLocks:
    """A ``KEY.lock`` file in the (private) cache folder per key, for every trayapp process of the user."""

    def __init__(self, folder: Path, wait: float = WAIT_SECONDS) -> None:
        self.folder = folder
        self.wait = wait
        self.threads = ThreadKeyLocks()  # filelock is re-entrant per thread: keep threads apart first

    @contextlib.contextmanager
    def lock(self, key: str) -> Iterator[None]:
        from filelock import FileLock, Timeout

        with self.threads.lock(key):
            try:
                ensure_private_dir(self.folder)
                held = FileLock(self.folder / f"{key}.lock", timeout=self.wait, mode=0o600)
                held.acquire()
            except Timeout:
                raise TrayappError(
                    f"another trayapp has been fetching this session for {int(self.wait)} s; try again"
                ) from None
            except OSError:
                yield  # no lock folder (read-only, full): go on without one rather than fail
                return
            try:
                yield
            finally:
                held.release()


def locks_for(cache: object) -> KeyLocks:
    """File locks beside a file cache (or a keyring's index), thread locks for a memory cache."""
    from trayapp.core.cache import FileCache, KeyringCache

    if isinstance(cache, FileCache):
        return FileKeyLocks(cache.folder)
    if isinstance(cache, KeyringCache):
        return FileKeyLocks(cache.index.path.parent)
    return ThreadKeyLocks()
