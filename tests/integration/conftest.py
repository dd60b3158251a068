"""Fixtures for tests against AWS on loopback: moto_server, the federation stub, the STS fault stub, the AWS CLI.

Missing tools skip loudly on a developer's machine; with ``CI=true`` they fail instead (TESTING.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.awscli import aws_cli as _build_aws_cli
from support.servers import AwsEnv, FederationStub, MotoServer, StsFaultStub


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: a missing layer is a failure)", pytrace=False)
    pytest.skip(f"SKIPPED LAYER: {reason}")


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """One ``moto_server`` for the session; use ``moto`` in tests (it resets state and restarts if stopped)."""
    server = MotoServer(log_path=tmp_path_factory.mktemp("moto") / "moto_server.log")
    if not server.executable.exists():
        _missing(f"moto_server not found at {server.executable} (pip install 'moto[server]')")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def moto(moto_server: MotoServer) -> MotoServer:
    """The session's moto server, running and reset to an empty state for this test."""
    if not moto_server.running:
        moto_server.start()  # an earlier test stopped it
    moto_server.reset()
    return moto_server


@pytest.fixture
def aws_env(moto: MotoServer, isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> AwsEnv:
    """Primary IAM user keys in ``[default]`` of the isolated credentials file; STS/IAM/Organizations -> moto."""
    return AwsEnv(isolated_home, monkeypatch, moto.url)


@pytest.fixture
def federation_stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FederationStub]:
    """A fresh federation stub; ``TRAYAPP_SIGNIN_ENDPOINT`` points at it."""
    stub = FederationStub()
    try:
        stub.start()
        monkeypatch.setenv("TRAYAPP_SIGNIN_ENDPOINT", stub.url)
        yield stub
    finally:
        stub.stop()


@pytest.fixture
def sts_stub() -> Iterator[StsFaultStub]:
    """A fresh STS stub answering success until told otherwise. Route STS to it with ``aws_env.use_sts(sts_stub.url)``."""
    stub = StsFaultStub()
    try:
        stub.start()
        yield stub
    finally:
        stub.stop()


@pytest.fixture(scope="session")
def aws_cli() -> Path:
    """Path of the real ``aws`` (v1) executable in ``.venv-awscli``, built on first use."""
    try:
        return _build_aws_cli()
    except Exception as exc:
        _missing(f"the AWS CLI venv could not be created: {exc}")
        raise
