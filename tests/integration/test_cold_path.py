"""The cold path names the role session without a second network call (issue 12): one GetCallerIdentity a day."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sessions_kit import SIDE_PROJECT, use_config
from support.servers import AwsEnv, StsFaultStub

pytestmark = pytest.mark.aws


def creds() -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "trayapp", "creds", "side-project", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
        env=dict(os.environ),
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def forget() -> None:
    subprocess.run([sys.executable, "-m", "trayapp", "forget"], check=True, capture_output=True, timeout=60)


def test_the_user_name_is_remembered_between_cold_sessions(
    aws_env: AwsEnv,
    sts_stub: StsFaultStub,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    isolated_home: Path,
) -> None:
    aws_env.use_sts(sts_stub.url)
    use_config(monkeypatch, tmp_path, SIDE_PROJECT)
    creds()
    forget()
    creds()
    assert [r.action for r in sts_stub.requests] == ["GetCallerIdentity", "AssumeRole", "AssumeRole"]
    assert {r.form["RoleSessionName"] for r in sts_stub.calls("AssumeRole")} == {"primary"}
    memo = next(isolated_home.glob(".cache/trayapp/identities.json"))
    assert oct(memo.stat().st_mode & 0o777) == "0o600"
    assert aws_env.access_key_id not in memo.read_text()  # keyed by a hash: the file holds no key
