"""Shared test set-up: make ``tests/support`` importable and keep tests away from the user's files."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support.layers import missing_layer
from support.servers import MotoServer


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own HOME, XDG dirs and AWS files, so nothing reads or writes the real ones."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (
        ("HOME", ""),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_DATA_HOME", ".local/share"),
    ):
        monkeypatch.setenv(var, str(home / sub) if sub else str(home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    for var in (
        "TRAYAPP_CONFIG",
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL_STS",
        "TRAYAPP_SIGNIN_ENDPOINT",
        "BROWSER",
    ):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """One ``moto_server`` for the whole run, shared by every layer; tests take ``moto`` instead."""
    server = MotoServer(log_path=tmp_path_factory.mktemp("moto") / "moto_server.log")
    if not server.executable.exists():
        missing_layer(f"moto_server not found at {server.executable} (pip install 'moto[server]')")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def moto(moto_server: MotoServer) -> MotoServer:
    """The run's moto server, running and reset to an empty state for this test."""
    if not moto_server.running:
        moto_server.start()  # an earlier test stopped it
    moto_server.reset()
    return moto_server
