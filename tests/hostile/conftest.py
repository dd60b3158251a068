"""The hostile layer (issue 8): a tester's attacks, each against real parts.

It reuses the loopback AWS fixtures of tests/integration (the STS and federation stubs; moto is the root's).
Nothing here is skipped for a missing tool on CI: a missing consumer or shell fails with CI=true.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "integration"))

import kit
from integration.conftest import aws_env, federation_stub, sts_stub

__all__ = ["aws_env", "federation_stub", "sts_stub"]


@pytest.fixture
def side(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A trayapp config with the one account "side" (the test module's SIDE, else kit.SIDE), in use."""
    path = tmp_path / "config.toml"
    path.write_text(getattr(request.module, "SIDE", kit.SIDE))
    monkeypatch.setenv("TRAYAPP_CONFIG", str(path))
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this folder carries the ``hostile`` marker, so ``-m hostile`` runs the layer alone."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.hostile)
