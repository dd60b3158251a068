"""``session_cache = "keyring"`` against a real OS keyring, as Linux users meet it: python-keyring's
SecretService backend talking to gnome-keyring-daemon on a (private) D-Bus session bus.

Every trayapp run is a subprocess: python-keyring picks its backend once per process, so the
choice must never be made inside pytest. The keyring is inspected with secretstorage (and
``secret-tool`` when installed), never through python-keyring itself.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sessions_kit import SIDE_PROJECT, one_sentence, run_trayapp, use_config
from support.keyring_service import FOREIGN, SecretService, missing_tools
from support.layers import missing_layer
from support.servers import AwsEnv, MotoServer

from trayapp.core.cache import sessions_dir

pytestmark = pytest.mark.aws

KEYRING_CONFIG = SIDE_PROJECT.replace("[[account]]", '[settings]\nsession_cache = "keyring"\n\n[[account]]')
INDEX = "keyring-index.json"
REFUSAL = "no secure OS keyring is available ("


def _keyrings_alt() -> bool:
    try:
        return importlib.util.find_spec("keyrings.alt") is not None
    except ModuleNotFoundError:  # no "keyrings" namespace at all
        return False


# keyrings.alt is not a dependency; when some other package brings it in, its plaintext file is refused too.
INSECURE_BACKENDS = [
    "keyring.backends.null.Keyring",
    "keyring.backends.fail.Keyring",
    *(["keyrings.alt.file.PlaintextKeyring"] if _keyrings_alt() else []),
]
BACKEND_REPORT = (
    "import json, keyring; k = keyring.get_keyring(); "
    "print(json.dumps([type(b).__module__ + '.' + type(b).__name__ for b in getattr(k, 'backends', [k])]))"
)


@pytest.fixture
def secret_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SecretService]:
    """A fresh, unlocked gnome-keyring on a private bus; this test's environment points at it only."""
    missing = missing_tools()
    if missing:
        missing_layer(f"{', '.join(missing)} not installed (apt-get install gnome-keyring dbus)")
    with SecretService(tmp_path / "secret-service") as service:
        for name in FOREIGN:
            monkeypatch.delenv(name, raising=False)
        for name, value in service.env.items():
            monkeypatch.setenv(name, value)
        yield service


@pytest.fixture
def keyring_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return use_config(monkeypatch, tmp_path, KEYRING_CONFIG)


def creds() -> dict[str, str]:
    """``trayapp creds side-project --format json`` as a subprocess: its JSON; nothing on stderr."""
    result = run_trayapp("creds", "side-project", "--format", "json")
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    data: dict[str, str] = json.loads(result.stdout)
    return data


def index() -> dict[str, str]:
    """The non-secret index trayapp keeps of its keyring entries: key -> account."""
    data: dict[str, str] = json.loads((sessions_dir() / INDEX).read_text(encoding="utf-8"))
    return data


def files_under(*roots: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for root in roots if root.exists() for p in root.rglob("*") if p.is_file()}


def stored(service: SecretService) -> tuple[str, dict[str, Any]]:
    """The one trayapp item in the keyring: its key (the ``username`` attribute) and its JSON."""
    (item,) = service.items("trayapp")
    assert item.attributes["service"] == "trayapp"
    return item.attributes["username"], json.loads(item.secret)


# -- the backend ------------------------------------------------------------------------------------------


def test_python_keyring_picks_the_secret_service(secret_service: SecretService) -> None:
    """Auto-detection, no PYTHON_KEYRING_BACKEND: what a user's trayapp would get."""
    report = subprocess.run(
        [sys.executable, "-c", BACKEND_REPORT], capture_output=True, text=True, timeout=30, check=False
    )
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout) == ["keyring.backends.SecretService.Keyring"]
    assert (secret_service.keyring_dir / "login.keyring").is_file()


# -- creds, cache hits, forget ------------------------------------------------------------------------------


def test_creds_are_kept_in_the_keyring_and_in_no_file(
    aws_env: AwsEnv,
    keyring_config: Path,
    secret_service: SecretService,
    isolated_home: Path,
    tmp_path: Path,
) -> None:
    data = creds()
    assert data["AccessKeyId"].startswith("ASIA") and data["SecretAccessKey"] and data["SessionToken"]

    key, entry = stored(secret_service)
    assert entry["key"] == key and entry["account"] == "side-project"
    assert entry["credentials"] == {
        "access_key_id": data["AccessKeyId"],
        "secret_access_key": data["SecretAccessKey"],
        "session_token": data["SessionToken"],
        "expiration": data["Expiration"],
    }
    if shutil.which("secret-tool"):  # libsecret's view of the same item: another client, same keyring
        lookup = subprocess.run(
            ["secret-tool", "lookup", "service", "trayapp", "username", key],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        assert lookup.returncode == 0, lookup.stderr
        assert json.loads(lookup.stdout) == entry

    # On disk only the index, which names the key and the account and holds no secret (and empty lock files).
    folder = sessions_dir()
    assert sorted(p.name for p in folder.iterdir() if p.suffix != ".lock") == [INDEX]
    assert all(p.stat().st_size == 0 for p in folder.glob("*.lock"))
    assert index() == {key: "side-project"}
    assert stat.S_IMODE((folder / INDEX).stat().st_mode) == 0o600
    # No file anywhere in the test's home or tmp (the encrypted login.keyring included) holds a secret.
    everything = files_under(isolated_home, tmp_path)
    assert secret_service.keyring_dir / "login.keyring" in everything
    for secret in (data["SecretAccessKey"], data["SessionToken"]):
        holders = [p for p, content in everything.items() if secret.encode() in content]
        assert holders == [], f"a secret is in plain text in {holders}"


def test_second_creds_comes_from_the_keyring_without_the_server(
    aws_env: AwsEnv, moto: MotoServer, keyring_config: Path, secret_service: SecretService
) -> None:
    first = creds()
    moto.stop()
    assert creds() == first
    assert len(secret_service.items("trayapp")) == 1


def test_forget_removes_the_keyring_item_and_the_next_creds_is_new(
    aws_env: AwsEnv, moto: MotoServer, keyring_config: Path, secret_service: SecretService
) -> None:
    first = creds()
    key, _ = stored(secret_service)
    moto.stop()  # forgetting needs no network

    result = run_trayapp("forget", "side-project")
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == "Forgot 1 cached session for Side project.\n"
    assert secret_service.items("trayapp") == []
    assert index() == {}

    moto.start()
    second = creds()
    assert second["AccessKeyId"] != first["AccessKeyId"]
    assert second["SecretAccessKey"] != first["SecretAccessKey"]
    again, entry = stored(secret_service)
    assert again == key and entry["credentials"]["access_key_id"] == second["AccessKeyId"]


# -- a locked keyring, a lost index -------------------------------------------------------------------------


def test_a_locked_keyring_is_one_sentence_and_forget_keeps_track(
    aws_env: AwsEnv, moto: MotoServer, keyring_config: Path, secret_service: SecretService
) -> None:
    """Locked (screen lock, a fresh SSH login): no prompt can be shown, so say so; lose nothing."""
    creds()
    (key,) = index()
    secret_service.lock()
    assert secret_service.locked()

    result = run_trayapp("creds", "side-project", "--format", "json")
    assert result.returncode == 1
    assert one_sentence(result).startswith("could not use the OS keyring (KeyringLocked); unlock it")

    result = run_trayapp("forget", "side-project")
    assert result.returncode == 1
    assert one_sentence(result) == (
        "could not remove 1 cached session from the OS keyring; unlock it and run forget again"
    )
    assert index() == {key: "side-project"}  # still known, so a later forget can remove it

    secret_service.unlock()
    assert len(secret_service.items("trayapp")) == 1
    result = run_trayapp("forget", "side-project")
    assert (result.returncode, result.stderr) == (0, "Forgot 1 cached session for Side project.\n")
    assert secret_service.items("trayapp") == [] and index() == {}


def test_a_session_served_after_the_index_was_lost_can_be_forgotten(
    aws_env: AwsEnv, moto: MotoServer, keyring_config: Path, secret_service: SecretService
) -> None:
    """The index lives in the cache dir, which users and cleaners may wipe; the keyring item outlives it."""
    first = creds()
    key, _ = stored(secret_service)
    shutil.rmtree(sessions_dir())
    assert creds() == first  # served from the keyring ...
    assert index() == {key: "side-project"}  # ... and indexed again
    result = run_trayapp("forget")
    assert (result.returncode, result.stderr) == (0, "Forgot 1 cached session for every account.\n")
    assert secret_service.items("trayapp") == []


# -- insecure backends are refused --------------------------------------------------------------------------


def assert_refused(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode in (1, 2), result
    sentence = one_sentence(result)
    assert sentence.startswith(REFUSAL), sentence
    assert 'use session_cache = "file" or "memory"' in sentence


@pytest.mark.parametrize("backend", INSECURE_BACKENDS)
def test_an_insecure_backend_is_refused_and_nothing_is_written(
    aws_env: AwsEnv,
    keyring_config: Path,
    secret_service: SecretService,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    backend: str,
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", backend)
    before = files_under(isolated_home)
    assert_refused(run_trayapp("creds", "side-project", "--format", "json"))
    assert files_under(isolated_home) == before  # no cache, no index, no state
    assert not sessions_dir().exists()
    assert secret_service.items() == []  # the real keyring was left alone too


def test_no_secret_service_on_the_bus_is_refused(
    aws_env: AwsEnv,
    keyring_config: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A headless Linux box: no bus answers, python-keyring falls back to its fail backend."""
    for name in FOREIGN:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "no-runtime"))
    before = files_under(isolated_home)
    assert_refused(run_trayapp("creds", "side-project", "--format", "json"))
    assert files_under(isolated_home) == before
