"""File safety: atomic private writes, no symlink followed by surprise, locks around read-modify-write.

Rules (issue 8): never chmod, unlink or rename through a symlink trayapp did not expect; chmod
only folders trayapp itself creates; write *through* a symlinked user file so the link stays.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from trayapp.core.errors import TrayappError

LOCK_TIMEOUT = 30.0  # seconds to wait for another trayapp writing the same file
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class WriteError(TrayappError, OSError):
    """A file could not be written; one sentence naming it (still an OSError for older callers)."""

    def __init__(self, path: Path, exc: OSError):
        reason = exc.strerror or type(exc).__name__
        hint = "; free some space and try again" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else ""
        TrayappError.__init__(self, f"could not write {path}: {reason}{hint}")
        self.errno = exc.errno
        self.strerror = reason
        self.filename = str(path)

    def __str__(self) -> str:
        return str(self.args[0])


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` and missing parents as 0700; folders that already exist keep their mode."""
    missing: list[Path] = []
    probe = path
    while not os.path.lexists(probe) and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            continue  # made by another process meanwhile: not ours to chmod
        except OSError as exc:
            raise WriteError(folder, exc) from None
        if os.name == "posix":
            os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
    if not path.is_dir():
        raise WriteError(path, OSError(errno.ENOTDIR, "it is not a folder"))
    return path


def tighten_own_dir(path: Path) -> None:
    """Make trayapp's own folder (say, the sessions folder) 0700: only a real folder of this user, never a shared one."""
    info = os.lstat(path)
    own = stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & stat.S_ISVTX
    if os.name == "posix" and own and info.st_mode & 0o077:
        fd = os.open(path, os.O_RDONLY | NOFOLLOW | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fchmod(fd, 0o700)
        finally:
            os.close(fd)


def is_private_dir(path: Path) -> bool:
    """A real folder (not a symlink) of this user that nobody else can enter."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode):
        return False
    return os.name != "posix" or (info.st_uid == os.getuid() and not info.st_mode & 0o077)


def write_target(path: Path) -> Path:
    """The file a write to ``path`` should replace: the final target when ``path`` is a symlink."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def atomic_write(path: Path, data: bytes | str, mode: int = 0o600, follow_symlink: bool = False) -> Path:
    """Replace ``path`` with ``data`` so readers see the old or the new file, never half of one.

    With ``follow_symlink`` (user files: config, ~/.aws/config) a symlink is written through and
    stays a link; without it (trayapp's own files) a symlink in the way is replaced, never followed.
    Missing folders are created 0700. Returns the file written; raises WriteError.
    """
    target = write_target(path) if follow_symlink else path
    payload = data.encode("utf-8") if isinstance(data, str) else data
    ensure_private_dir(target.parent)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise WriteError(target, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if os.name == "posix":
                os.fchmod(handle.fileno(), mode)
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError) and not isinstance(exc, WriteError):
            raise WriteError(target, exc) from None
        raise
    if os.name == "posix":
        with contextlib.suppress(OSError):
            dir_fd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    return target


def read_nofollow(path: Path, limit: int = 1 << 20) -> tuple[os.stat_result, bytes]:
    """Stat and read a regular file without following a symlink (OSError ELOOP for one)."""
    fd = os.open(path, os.O_RDONLY | NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        with os.fdopen(os.dup(fd), "rb") as handle:
            return info, handle.read(limit)
    finally:
        os.close(fd)


def read_regular(path: Path) -> bytes:
    """The bytes of a user file (a symlink is followed); a FIFO or device is refused, never waited on."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        kind = os.fstat(fd).st_mode
        if stat.S_ISDIR(kind):
            raise OSError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(kind):
            raise OSError(errno.EINVAL, "it is not a regular file (a FIFO or a device)", str(path))
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read()
    finally:
        os.close(fd)


def lock_path(path: Path) -> Path:
    """Where the lock for a user file lives: trayapp's own cache folder, never beside the user's file."""
    import hashlib  # here, not at import: OpenSSL's start-up is a few ms the tray's first paint skips

    from trayapp.core.places import cache_dir

    digest = hashlib.sha256(os.path.realpath(path).encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return cache_dir() / "locks" / f"{digest}.lock"


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the cross-process lock of ``path`` across a read-modify-write of it.

    The lock file is opened without following a symlink and never truncated, so a link planted
    in the locks folder cannot make trayapp touch another file.
    """
    where = lock_path(path)
    ensure_private_dir(where.parent)
    if os.name != "posix":
        import filelock

        try:
            with filelock.FileLock(str(where), timeout=timeout):
                yield
        except filelock.Timeout:
            raise _busy(path, timeout) from None
        return
    import fcntl
    import time

    try:
        fd = os.open(where, os.O_RDWR | os.O_CREAT | NOFOLLOW, 0o600)
    except OSError as exc:
        raise TrayappError(
            f"cannot use the lock file {where}: {exc.strerror}; remove it and try again"
        ) from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise _busy(path, timeout) from None
                time.sleep(0.02)  # flock has no timed wait; the holder is another trayapp, busy briefly
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _busy(path: Path, timeout: float) -> TrayappError:
    return TrayappError(
        f"another trayapp has been changing {path} for {timeout:.0f} s; try again when it is done"
    )
