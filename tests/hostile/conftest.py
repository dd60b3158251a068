"""The hostile layer (issue 8): a tester's attacks, each against real parts.

It reuses the loopback AWS fixtures of tests/integration (the STS and federation stubs; moto is the root's).
Nothing here is skipped for a missing tool on CI: a missing consumer or shell fails with CI=true.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "integration"))

from integration.conftest import aws_env, federation_stub, sts_stub

__all__ = ["aws_env", "federation_stub", "sts_stub"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this folder carries the ``hostile`` marker, so ``-m hostile`` runs the layer alone."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.hostile)
