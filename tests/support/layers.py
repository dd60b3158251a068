"""A missing tool skips its layer loudly on a developer's machine and fails on CI (TESTING.md)."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def on_ci() -> bool:
    """True where ``CI=true``: there a layer that cannot run is a failure, never a skip."""
    return os.environ.get("CI", "").lower() == "true"


def missing_layer(reason: str) -> NoReturn:
    """Skip, saying ``reason``; or fail with it under ``CI=true``, where every layer must run."""
    if on_ci():
        pytest.fail(f"{reason} (CI=true: a missing layer is a failure)", pytrace=False)
    pytest.skip(f"SKIPPED LAYER: {reason}")


# A test about POSIX file modes: skipped, and said, elsewhere; never an ``if os.name`` that passes silently.
POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX's")
