"""Fixtures for tests against AWS on loopback: the federation stub, the STS fault stub, the AWS CLI.

``moto_server`` and ``moto`` are the root conftest's, shared with the display and packaging layers.

Missing tools skip loudly on a developer's machine; with ``CI=true`` they fail instead (TESTING.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.awscli import aws_cli as _build_aws_cli
from support.layers import missing_layer
from support.servers import AwsEnv, FederationStub, MotoServer, StsFaultStub


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
        missing_layer(f"the AWS CLI venv could not be created: {exc}")
        raise
