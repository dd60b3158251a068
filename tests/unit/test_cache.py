"""Session caches: file (0600 in 0700), keyring (secure backends only) and memory; bad entries set aside."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import pytest
from keyring.backends import fail

from trayapp.core.cache import (
    REFRESH_MARGIN,
    CachedSession,
    FileCache,
    KeyringCache,
    MemoryCache,
    open_cache,
    parse_expiration,
    sessions_dir,
)
from trayapp.core.errors import TrayappError
from trayapp.core.model import RoleCredentials

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def session(
    account: str = "side-project", expires: datetime | None = None, key_id: str = "1"
) -> CachedSession:
    moment = expires or NOW + timedelta(hours=1)
    return CachedSession(
        account=account,
        role_arn="arn:aws:iam::444455556666:role/ops/admin",
        credentials=RoleCredentials(
            access_key_id=f"ASIAEXAMPLE00000000{key_id}",
            secret_access_key="secret/" + key_id,
            session_token="token+" + key_id,
            expiration=moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        ),
        assumed_role_arn="arn:aws:sts::444455556666:assumed-role/admin/george",
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "sessions"


# -- CachedSession -----------------------------------------------------------------------------------


def test_fresh_until_fifteen_minutes_before_expiry() -> None:
    s = session(expires=NOW + timedelta(hours=1))
    assert timedelta(minutes=15) == REFRESH_MARGIN
    assert s.fresh(NOW)
    assert s.fresh(NOW + timedelta(minutes=44, seconds=59))
    assert not s.fresh(NOW + timedelta(minutes=45))
    assert not s.fresh(NOW + timedelta(hours=2))


def test_parse_expiration_needs_a_time_zone() -> None:
    assert parse_expiration("2026-03-01T12:00:00Z") == NOW
    assert parse_expiration("2026-03-01T13:00:00+01:00") == NOW
    with pytest.raises(ValueError):
        parse_expiration("2026-03-01T12:00:00")


def test_json_round_trip_and_key_check() -> None:
    s = session()
    assert CachedSession.from_json(s.to_json("k1"), "k1") == s
    with pytest.raises(ValueError):
        CachedSession.from_json(s.to_json("k1"), "k2")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "[]",
        '"text"',
        "null",
        json.dumps({"version": 2, "key": "k"}),
        json.dumps({"version": 1, "key": "k"}),
        json.dumps({"version": 1, "key": "k", "account": "a", "role_arn": "r", "credentials": {"x": 1}}),
        json.dumps({"version": 1, "key": "k", "account": "a", "role_arn": "r", "credentials": None}),
    ],
)
def test_corrupt_json_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        CachedSession.from_json(text, "k")


def test_naive_expiration_is_a_value_error() -> None:
    data = json.loads(session().to_json("k"))
    data["credentials"]["expiration"] = "2026-03-01T12:00:00"
    with pytest.raises(ValueError):
        CachedSession.from_json(json.dumps(data), "k")


# -- FileCache ---------------------------------------------------------------------------------------


def test_file_cache_round_trip_private_files(folder: Path) -> None:
    cache = FileCache(folder)
    assert cache.get("k1") is None  # nothing yet, no folder yet
    cache.put("k1", session())
    assert cache.get("k1") == session()
    assert mode(folder) == 0o700 and mode(cache.path("k1")) == 0o600
    data = json.loads(cache.path("k1").read_text())
    assert data["credentials"]["expiration"].endswith("Z")
    assert data["key"] == "k1" and data["account"] == "side-project"
    assert [p.name for p in folder.iterdir()] == ["k1.json"]  # no temp file left behind


def test_file_cache_tightens_an_open_folder(folder: Path) -> None:
    folder.mkdir(parents=True, mode=0o755)
    folder.chmod(0o755)
    FileCache(folder).put("k1", session())
    assert mode(folder) == 0o700


def test_file_cache_replaces_an_entry(folder: Path) -> None:
    cache = FileCache(folder)
    cache.put("k1", session(key_id="1"))
    cache.put("k1", session(key_id="2"))
    got = cache.get("k1")
    assert got is not None and got.credentials.access_key_id.endswith("2")


def set_aside_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if ".bad-" in p.name)


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"\xff\xfe\x00garbage", b"[]", b'{"version": 1}'],
    ids=["truncated", "binary", "list", "partial"],
)
def test_corrupt_file_is_set_aside_not_served(folder: Path, content: bytes, caplog: Any) -> None:
    cache = FileCache(folder)
    cache.put("k1", session())
    cache.path("k1").write_bytes(content)
    assert cache.get("k1") is None
    assert not cache.path("k1").exists()
    (aside,) = set_aside_files(folder)
    assert aside.name.startswith("k1.bad-") and aside.read_bytes() == content
    assert "secret" not in caplog.text
    cache.put("k1", session())  # the slot is usable again
    assert cache.get("k1") == session()


def test_file_readable_by_others_is_set_aside(folder: Path) -> None:
    cache = FileCache(folder)
    cache.put("k1", session())
    cache.path("k1").chmod(0o644)
    assert cache.get("k1") is None
    assert not cache.path("k1").exists()
    (aside,) = set_aside_files(folder)
    assert mode(aside) == 0o600  # kept for inspection, but no longer readable by others


def test_forget_all_drops_set_aside_entries(folder: Path) -> None:
    cache = FileCache(folder)
    cache.put("a1", session("alpha"))
    cache.put("b1", session("beta"))
    cache.path("a1").write_text("{broken")
    assert cache.get("a1") is None and len(set_aside_files(folder)) == 1
    assert cache.forget("alpha") == 0 and len(set_aside_files(folder)) == 1  # not known to be alpha's
    assert cache.forget() == 1
    assert list(folder.iterdir()) == []


def test_entry_of_another_key_is_set_aside(folder: Path) -> None:
    cache = FileCache(folder)
    cache.put("k1", session())
    os.replace(cache.path("k1"), cache.path("k2"))
    assert cache.get("k2") is None
    assert len(set_aside_files(folder)) == 1


def test_directory_in_place_of_an_entry_is_no_crash(folder: Path) -> None:
    cache = FileCache(folder)
    cache.path("k1").mkdir(parents=True)
    assert cache.get("k1") is None


def test_forget_one_account_or_all(folder: Path) -> None:
    cache = FileCache(folder)
    cache.put("a1", session("alpha"))
    cache.put("a2", session("alpha", key_id="2"))
    cache.put("b1", session("beta"))
    assert cache.forget("gamma") == 0
    assert cache.forget("alpha") == 2
    assert cache.get("a1") is None and cache.get("b1") == session("beta")
    assert cache.forget() == 1
    assert list(folder.glob("*.json")) == []
    assert FileCache(folder / "missing").forget() == 0


def test_forget_drops_unreadable_entries_too(folder: Path) -> None:
    cache = FileCache(folder)
    cache.put("a1", session("alpha"))
    cache.path("zz").write_text("{broken")
    assert cache.forget("alpha") == 2


# -- MemoryCache, open_cache -------------------------------------------------------------------------


def test_memory_cache() -> None:
    cache = MemoryCache()
    cache.put("a1", session("alpha"))
    cache.put("b1", session("beta"))
    assert cache.get("a1") == session("alpha") and cache.get("zz") is None
    assert cache.forget("alpha") == 1 and cache.get("a1") is None
    assert cache.forget() == 1 and cache.entries == {}


def test_open_cache_memory_writes_nothing(isolated_home: Path) -> None:
    cache = open_cache("memory")
    cache.put("k", session())
    assert cache.get("k") == session()
    assert not sessions_dir().exists()
    assert [p for p in isolated_home.rglob("*") if p.is_file()] == []


def test_open_cache_file_lives_in_the_user_cache_dir(isolated_home: Path) -> None:
    cache = open_cache("file")
    assert isinstance(cache, FileCache)
    assert sessions_dir() == isolated_home / ".cache" / "trayapp" / "sessions"
    cache.put("k", session())
    assert (sessions_dir() / "k.json").exists()


# -- KeyringCache ------------------------------------------------------------------------------------


class DictKeyring(keyring.backend.KeyringBackend):
    """A secure-looking in-memory keyring (a test fake standing in for the OS keyring)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.items[(service, username)]


@pytest.fixture
def restore_keyring() -> Any:
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


def test_keyring_refuses_the_fail_backend(restore_keyring: Any, tmp_path: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(TrayappError, match="no secure OS keyring"):
        KeyringCache(tmp_path)


def test_keyring_cache_round_trip_and_forget(restore_keyring: Any, tmp_path: Path) -> None:
    backend = DictKeyring()
    keyring.set_keyring(backend)
    cache = KeyringCache(tmp_path)
    cache.put("a1", session("alpha"))
    cache.put("b1", session("beta"))
    assert cache.get("a1") == session("alpha")
    index = tmp_path / "keyring-index.json"
    assert mode(index) == 0o600 and "secret" not in index.read_text()
    assert cache.forget("alpha") == 1 and cache.get("a1") is None
    assert cache.get("b1") == session("beta")
    backend.items[("trayapp", "b1")] = "{corrupt"
    assert cache.get("b1") is None and ("trayapp", "b1") not in backend.items
    assert cache.forget() == 0  # b1 was dropped when found corrupt


class LockableKeyring(DictKeyring):
    """The in-memory keyring, lockable like a real one after a screen lock."""

    def __init__(self) -> None:
        super().__init__()
        self.locked = False

    def _check(self) -> None:
        if self.locked:
            from keyring.errors import KeyringLocked

            raise KeyringLocked("locked")

    def get_password(self, service: str, username: str) -> str | None:
        self._check()
        return super().get_password(service, username)

    def delete_password(self, service: str, username: str) -> None:
        self._check()
        super().delete_password(service, username)


def test_a_locked_keyring_is_one_sentence_and_forget_keeps_track(
    restore_keyring: Any, tmp_path: Path
) -> None:
    backend = LockableKeyring()
    keyring.set_keyring(backend)
    cache = KeyringCache(tmp_path)
    cache.put("a1", session("alpha"))
    backend.locked = True
    with pytest.raises(TrayappError, match=r"could not use the OS keyring \(KeyringLocked\); unlock it"):
        cache.get("a1")
    with pytest.raises(TrayappError, match=r"could not remove 1 cached session .*unlock it"):
        cache.forget("alpha")
    backend.locked = False
    assert cache.forget("alpha") == 1  # still indexed, so the second forget finds it
    assert backend.items == {}


def test_a_keyring_hit_puts_a_lost_index_entry_back(restore_keyring: Any, tmp_path: Path) -> None:
    keyring.set_keyring(DictKeyring())
    cache = KeyringCache(tmp_path)
    cache.put("a1", session("alpha"))
    (tmp_path / "keyring-index.json").unlink()  # a cache cleaner wiped the folder
    assert cache.get("a1") == session("alpha")
    assert cache.forget("alpha") == 1 and cache.get("a1") is None
