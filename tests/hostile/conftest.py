"""The hostile layer (issue 8): a tester's attacks, each against real parts.

It reuses the loopback AWS fixtures of tests/integration (moto, the STS and federation stubs).
Nothing here is skipped for a missing tool on CI: a missing consumer or shell fails with CI=true.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "integration"))

from integration.conftest import aws_env, federation_stub, moto, moto_server, sts_stub

__all__ = ["aws_env", "federation_stub", "moto", "moto_server", "sts_stub"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this folder carries the ``hostile`` marker, so ``-m hostile`` runs the layer alone."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.hostile)
