"""Session caches: reuse role credentials until shortly before they expire."""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import stat
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from trayapp.core.clock import Clock as Clock  # the clock helpers live in core/clock.py
from trayapp.core.clock import parse_expiration as parse_expiration
from trayapp.core.clock import utc_now as utc_now
from trayapp.core.errors import TrayappError
from trayapp.core.files import (
    NOFOLLOW,
    WriteError,
    atomic_write,
    ensure_private_dir,
    is_private_dir,
    read_nofollow,
    tighten_own_dir,
)
from trayapp.core.model import RoleCredentials

log = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=15)  # like the AWS CLI: renew when less than this remains
FORMAT_VERSION = 1


@dataclass(frozen=True)
class CachedSession:
    """Role credentials with what they belong to; the account name lets ``forget NAME`` find them."""

    account: str
    role_arn: str
    credentials: RoleCredentials
    assumed_role_arn: str = ""
    chained: bool = False  # made from temporary credentials: no SessionDuration at sign-in

    @property
    def expires(self) -> datetime:
        return parse_expiration(self.credentials.expiration)

    def fresh(self, now: datetime) -> bool:
        """Still worth serving: more than the refresh margin left."""
        return self.expires - now > REFRESH_MARGIN

    def to_json(self, key: str) -> str:
        data = {"version": FORMAT_VERSION, "key": key, **asdict(self)}
        return json.dumps(data, indent=1)

    @classmethod
    def from_json(cls, text: str, key: str) -> CachedSession:
        """Parse a cache entry; ValueError when it is corrupt or belongs to another key."""
        try:
            data = json.loads(text)
            if data.get("version") != FORMAT_VERSION or data.get("key") != key:
                raise ValueError("cache entry of another version or key")
            creds = data["credentials"]
            fields = ("access_key_id", "secret_access_key", "session_token", "expiration")
            if not isinstance(creds, dict) or set(creds) != set(fields):
                raise ValueError("corrupt cache entry (credentials)")
            texts = [data["account"], data["role_arn"], *creds.values(), data.get("assumed_role_arn", "")]
            if not all(isinstance(t, str) for t in texts) or not isinstance(data.get("chained", False), bool):
                raise ValueError("corrupt cache entry (a value of the wrong type)")
            session = cls(
                account=data["account"],
                role_arn=data["role_arn"],
                credentials=RoleCredentials(**creds),
                assumed_role_arn=data.get("assumed_role_arn", ""),
                chained=data.get("chained", False),
            )
            session.expires  # noqa: B018 - validates the expiration
        except (KeyError, TypeError, AttributeError, RecursionError, json.JSONDecodeError) as exc:
            raise ValueError(f"corrupt cache entry ({type(exc).__name__})") from None
        return session


class SessionCache(Protocol):
    """Where sessions live between runs. Implementations never raise on a bad entry: they drop it."""

    def get(self, key: str) -> CachedSession | None: ...

    def put(self, key: str, session: CachedSession) -> None: ...

    def forget(self, account: str | None = None) -> int:
        """Drop the sessions of one account (all when None); return how many."""
        ...


class MemoryCache:
    """Sessions for the life of this process only (``session_cache = "memory"``)."""

    def __init__(self) -> None:
        self.entries: dict[str, CachedSession] = {}

    def get(self, key: str) -> CachedSession | None:
        return self.entries.get(key)

    def put(self, key: str, session: CachedSession) -> None:
        self.entries[key] = session

    def forget(self, account: str | None = None) -> int:
        doomed = [k for k, s in self.entries.items() if account is None or s.account == account]
        for key in doomed:
            del self.entries[key]
        return len(doomed)


class FileCache:
    """One 0600 JSON file per session key in a 0700 folder, written atomically."""

    def __init__(self, folder: Path):
        self.folder = folder

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def get(self, key: str) -> CachedSession | None:
        path = self.path(key)
        try:
            info, raw = read_nofollow(path)
            text = raw.decode("utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return None  # no entry, or the cache folder is a file: nothing cached
        except (OSError, UnicodeDecodeError) as exc:
            self.set_aside(path, "a symlink" if getattr(exc, "errno", None) == errno.ELOOP else "unreadable")
            return None
        if not is_private_dir(self.folder):
            log.warning("not using cached sessions: %s is not a folder private to this user", self.folder)
            return None
        if os.name == "posix" and (info.st_uid != os.getuid() or info.st_mode & 0o077):
            self.set_aside(path, "not private to this user")
            return None
        try:
            return CachedSession.from_json(text, key)
        except ValueError as exc:
            self.set_aside(path, str(exc))
            return None

    def put(self, key: str, session: CachedSession) -> None:
        """Save the session; when it cannot be saved (full disk, folder is a file) say so and go on."""
        try:
            ensure_private_dir(self.folder)
            tighten_own_dir(self.folder)
            if not is_private_dir(self.folder):
                raise WriteError(self.folder, OSError(errno.EPERM, "it is not a folder private to this user"))
            atomic_write(self.path(key), session.to_json(key), mode=0o600)
        except OSError as exc:
            log.warning("%s; the session is used but not cached", WriteError(self.folder, exc))

    def forget(self, account: str | None = None) -> int:
        if not self.folder.is_dir():
            return 0
        dropped = 0
        for path in self.folder.glob("*.json"):
            if account is not None:
                try:
                    if json.loads(read_nofollow(path)[1]).get("account") != account:
                        continue
                except (OSError, ValueError, AttributeError, RecursionError):
                    pass  # unreadable entries are dropped with any forget
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                dropped += 1
        if account is None:
            # Entries set aside may still hold credentials: forgetting everything drops them too.
            for path in self.folder.glob("*.bad-*"):
                with contextlib.suppress(OSError):
                    path.unlink()
        return dropped

    def set_aside(self, path: Path, reason: str) -> None:
        """Move a bad entry out of the way (kept for inspection, never served, private to the user)."""
        target = path.with_name(f"{path.stem}.bad-{int(time.time())}")
        with contextlib.suppress(OSError):
            path.replace(target)  # renames a symlink itself, never its target
            if os.name == "posix":
                fd = os.open(target, os.O_RDONLY | NOFOLLOW | os.O_NONBLOCK)  # ELOOP for a symlink
                try:
                    info = os.fstat(fd)
                    if stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid():
                        os.fchmod(fd, 0o600)
                finally:
                    os.close(fd)
        log.warning("set aside cache file %s: %s", target.name, reason)


class KeyringCache:
    """Sessions in the OS keyring; a plaintext or null keyring backend is refused."""

    SERVICE = "trayapp"
    INSECURE = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt.file", "keyrings.alt")

    def __init__(self, index_folder: Path):
        import keyring

        backend = keyring.get_keyring()
        module = type(backend).__module__
        names = [type(b).__module__ for b in getattr(backend, "backends", [backend])]
        if any(n.startswith(self.INSECURE) for n in [module, *names]) or getattr(backend, "priority", 1) <= 0:
            raise TrayappError(
                f"no secure OS keyring is available ({type(backend).__name__}); "
                'use session_cache = "file" or "memory"'
            )
        self.keyring = keyring
        self.index = FileIndex(index_folder / "keyring-index.json")

    def get(self, key: str) -> CachedSession | None:
        text = self._call(self.keyring.get_password, key)
        if not text:
            return None
        try:
            session = CachedSession.from_json(text, key)
        except ValueError:
            self._call(self.keyring.delete_password, key)
            return None
        if key not in self.index.load():
            self.index.add(key, session.account)  # the index was lost (cache dir wiped): forget must find it
        return session

    def put(self, key: str, session: CachedSession) -> None:
        self._call(self.keyring.set_password, key, session.to_json(key))
        self.index.add(key, session.account)

    def forget(self, account: str | None = None) -> int:
        dropped, kept = 0, 0
        for key in self.index.keys(account):
            with contextlib.suppress(Exception):
                self.keyring.delete_password(self.SERVICE, key)
                dropped += 1
            try:
                gone = self.keyring.get_password(self.SERVICE, key) is None
            except Exception:
                gone = False
            if gone:
                self.index.remove(key)
            else:
                kept += 1  # still in the keyring (locked?): stays indexed for the next forget
        if kept:
            raise TrayappError(
                f"could not remove {kept} cached session{'s' if kept != 1 else ''} from the OS keyring; "
                "unlock it and run forget again"
            )
        return dropped

    def _call(self, method: Callable[..., str | None], key: str, *more: str) -> str | None:
        """A keyring call; a locked or unreachable keyring becomes one sentence."""
        try:
            return method(self.SERVICE, key, *more)
        except Exception as exc:
            raise TrayappError(
                f"could not use the OS keyring ({type(exc).__name__}); "
                'unlock it, or use session_cache = "file" or "memory"'
            ) from None


class FileIndex:
    """Which keyring entries are ours and whose (no secrets), so they can be forgotten."""

    def __init__(self, path: Path):
        self.path = path

    def load(self) -> dict[str, str]:
        try:
            data = json.loads(read_nofollow(self.path)[1])
        except (OSError, ValueError, RecursionError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def save(self, data: dict[str, str]) -> None:
        ensure_private_dir(self.path.parent)
        atomic_write(self.path, json.dumps(data), mode=0o600)

    def add(self, key: str, account: str) -> None:
        self.save({**self.load(), key: account})

    def remove(self, key: str) -> None:
        data = self.load()
        data.pop(key, None)
        self.save(data)

    def keys(self, account: str | None) -> list[str]:
        return [k for k, a in self.load().items() if account is None or a == account]


def sessions_dir() -> Path:
    """``<user cache dir>/trayapp/sessions``."""
    from trayapp.core.places import cache_dir

    return cache_dir() / "sessions"


def open_cache(kind: str, folder: Path | None = None) -> SessionCache:
    """The cache the settings ask for."""
    where = folder or sessions_dir()
    if kind == "memory":
        return MemoryCache()
    if kind == "keyring":
        return KeyringCache(where)
    return FileCache(where)
