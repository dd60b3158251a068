"""One lock per session key, so processes and threads needing one session make one STS call."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from trayapp.core.errors import TrayappError
from trayapp.core.files import NOFOLLOW, ensure_private_dir

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
        with self.threads.lock(key):
            try:
                ensure_private_dir(self.folder)
                release = self._acquire(self.folder / f"{key}.lock")
            except OSError:
                yield  # no lock folder (read-only, full): go on without one rather than fail
                return
            try:
                yield
            finally:
                release()

    def _acquire(self, path: Path) -> Callable[[], None]:
        """Take the lock file; POSIX: flock, as filelock does it, without its import (~20 ms of a cold sign-in)."""
        if os.name != "posix":
            from filelock import FileLock, Timeout

            held = FileLock(path, timeout=self.wait, mode=0o600)
            try:
                held.acquire()
            except Timeout:
                raise self._busy() from None
            return held.release
        import fcntl

        fd = os.open(path, os.O_RDWR | os.O_CREAT | NOFOLLOW, 0o600)
        try:
            deadline = time.monotonic() + self.wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return lambda: os.close(fd)  # closing releases the lock
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise self._busy() from None
                    time.sleep(0.02)  # flock has no timed wait; filelock polls the same way
        except BaseException:
            os.close(fd)
            raise

    def _busy(self) -> TrayappError:
        return TrayappError(
            f"another trayapp has been fetching this session for {int(self.wait)} s; try again"
        )


def locks_for(cache: object) -> KeyLocks:
    """File locks beside a file cache (or a keyring's index), thread locks for a memory cache."""
    from trayapp.core.cache import FileCache, KeyringCache

    if isinstance(cache, FileCache):
        return FileKeyLocks(cache.folder)
    if isinstance(cache, KeyringCache):
        return FileKeyLocks(cache.index.path.parent)
    return ThreadKeyLocks()
