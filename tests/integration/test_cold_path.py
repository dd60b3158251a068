"""The cold path names the role session without a second network call (issue 12): one GetCallerIdentity a day."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sessions_kit import SIDE_PROJECT, use_config
from support.cli import run_python
from support.servers import AwsEnv, FederationStub, StsFaultStub

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


COUNTING_PROBE = """
import json, sys
import botocore.session

made = {"sessions": 0, "clients": 0}
session_init, create_client = botocore.session.Session.__init__, botocore.session.Session.create_client

def counted_init(self, *args, **kwargs):
    made["sessions"] += 1
    session_init(self, *args, **kwargs)

def counted_client(self, *args, **kwargs):
    made["clients"] += 1
    return create_client(self, *args, **kwargs)

botocore.session.Session.__init__ = counted_init
botocore.session.Session.create_client = counted_client
from trayapp.cli import main
code = main(["url", "side-project", "--signed"])
made["boto3"] = "boto3" in sys.modules
made["filelock"] = "filelock" in sys.modules
print(json.dumps(made), file=sys.stderr)
sys.exit(code)
"""


def test_a_cold_signed_sign_in_builds_one_botocore_session_and_one_client(
    aws_env: AwsEnv,
    sts_stub: StsFaultStub,
    federation_stub: FederationStub,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """botocore's data is loaded once: one session, one STS client (GetCallerIdentity and AssumeRole), no boto3."""
    aws_env.use_sts(sts_stub.url)
    use_config(monkeypatch, tmp_path, SIDE_PROJECT)
    done = run_python(COUNTING_PROBE)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(federation_stub.url)
    assert [r.action for r in sts_stub.requests] == ["GetCallerIdentity", "AssumeRole"]
    assert len(federation_stub.requests) == 1
    made = json.loads(done.stderr.strip().splitlines()[-1])
    assert made == {"sessions": 1, "clients": 1, "boto3": False, "filelock": False}
