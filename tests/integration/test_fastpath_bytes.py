"""The creds fast path as users meet it: a session from AssumeRole (moto), then the same bytes
from the fast path and from the full command line, each as its own process, with STS gone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sessions_kit import SIDE_PROJECT, run_trayapp, use_config
from support.servers import AwsEnv, MotoServer

from trayapp.core.model import CREDENTIAL_FORMATS

pytestmark = pytest.mark.aws

FULL_CLI = [sys.executable, "-c", "import sys; from trayapp.cli import main; sys.exit(main())"]


def stdout_bytes(argv: list[str]) -> bytes:
    done = subprocess.run(
        argv, env=dict(os.environ), stdin=subprocess.DEVNULL, capture_output=True, timeout=60, check=False
    )
    lines = [line for line in done.stderr.splitlines() if not line.startswith(b"import time:")]
    assert done.returncode == 0 and lines == [], done.stderr[-2000:]
    if b"import time:" in done.stderr:  # -X importtime: this was the fast path, not the command line
        assert b" trayapp.fastpath\n" in done.stderr and b" trayapp.cli\n" not in done.stderr
    return done.stdout


def test_a_cache_hit_prints_the_full_command_lines_bytes_in_every_format(
    aws_env: AwsEnv, moto: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_config(monkeypatch, tmp_path, SIDE_PROJECT)
    first = run_trayapp("creds", "side-project", "--format", "credential-process")  # AssumeRole on moto
    assert first.returncode == 0, first.stderr
    moto.stop()  # from here on, anything not from the cache fails
    for fmt in CREDENTIAL_FORMATS:
        args = ["creds", "side-project", "--format", fmt]
        fast = stdout_bytes([sys.executable, "-X", "importtime", "-m", "trayapp", *args])
        assert fast == stdout_bytes([*FULL_CLI, *args]), fmt
        if fmt == "credential-process":
            assert fast.decode() == first.stdout  # the session AssumeRole returned, served as it was printed
