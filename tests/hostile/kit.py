"""Small helpers shared by the hostile tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable

from support.layers import missing_layer

TRAYAPP = [sys.executable, "-m", "trayapp"]
# One account, named "side"; a test module may set its own SIDE (the ``side`` fixture takes that).
SIDE = """
[primary]
region = "eu-west-1"

[[account]]
name = "side"
account_id = "444455556666"
role_name = "admin"
"""


def trayapp(
    *args: str, timeout: float = 90, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m trayapp ARGS`` as a user runs it, with this test's isolated environment."""
    return subprocess.run(
        [*TRAYAPP, *args],
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def fragments(secret: str, width: int = 12) -> set[str]:
    """Every ``width``-character slice of ``secret``: a leak of part of it is still a leak."""
    if len(secret) <= width:
        return {secret}
    return {secret[i : i + width] for i in range(len(secret) - width + 1)}


def assert_nothing_of(text: str, secrets: Iterable[str]) -> None:
    """No secret, nor any 12-character piece of one, appears in ``text``."""
    for secret in secrets:
        for piece in fragments(secret):
            assert piece not in text, f"part of a secret leaked: ...{piece[:4]}..."


def needs(tool: str) -> None:
    """Skip loudly without ``tool`` on a developer's machine; with CI=true that is a failure."""
    if shutil.which(tool):
        return
    missing_layer(f"{tool} is not installed (tests/debian-packages.txt)")
