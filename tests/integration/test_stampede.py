"""Stampedes: processes that need the same session wait on one lock and share one STS call (issue 8, class 4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sessions_kit import SIDE_PROJECT, use_config
from support.servers import AwsEnv, StsFaultStub

from trayapp.core.cache import CachedSession, MemoryCache
from trayapp.core.config import load_config
from trayapp.core.sessions import SessionProvider

pytestmark = pytest.mark.aws

LABELLED = SIDE_PROJECT.replace(
    "[primary]", '[primary]\nlabel = "george"'
)  # no GetCallerIdentity to muddle counts
MFA_CONFIG = LABELLED.replace(
    'region = "eu-west-1"', 'region = "eu-west-1"\nmfa_serial = "arn:aws:iam::123456789012:mfa/primary"', 1
)


@pytest.fixture
def stub(aws_env: AwsEnv, sts_stub: StsFaultStub) -> StsFaultStub:
    aws_env.use_sts(sts_stub.url)
    return sts_stub


def start_many(count: int, *extra: str) -> list[subprocess.Popen[str]]:
    argv = [sys.executable, "-m", "trayapp", "creds", "side-project", "--format", "json", *extra]
    return [
        subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for _ in range(count)
    ]


def results(processes: list[subprocess.Popen[str]]) -> list[dict[str, Any]]:
    answers = []
    for process in processes:
        out, err = process.communicate(timeout=240)
        assert process.returncode == 0, err
        answers.append(json.loads(out))
    return answers


def test_fifty_cold_processes_make_one_assume_role(
    stub: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_config(monkeypatch, tmp_path, LABELLED)
    answers = results(start_many(50))
    assert len(stub.calls("AssumeRole")) == 1
    assert {a["AccessKeyId"] for a in answers} == {stub.issued[0].access_key_id}


def test_ten_processes_with_one_mfa_code_send_it_once(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with StsFaultStub(mfa_code="135790") as mfa_stub:  # each code is accepted once, as AWS does
        aws_env.use_sts(mfa_stub.url)
        use_config(monkeypatch, tmp_path, MFA_CONFIG)
        answers = results(start_many(10, "--mfa-code", "135790"))
        sent = [r for r in mfa_stub.requests if r.form.get("TokenCode")]
        assert [r.form["TokenCode"] for r in sent] == ["135790"]
        assert {a["AccessKeyId"] for a in answers} == {mfa_stub.issued[0].access_key_id}


def test_threads_on_a_memory_cache_share_one_fetch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The memory cache lives in one process: a thread lock per key does the same job there."""
    config = load_config(use_config(monkeypatch, tmp_path, LABELLED))
    provider = SessionProvider(config, MemoryCache(), lambda *a: None, environ={})
    fetched: list[str] = []
    inside, release = threading.Event(), threading.Event()
    session = CachedSession(
        account="side-project",
        role_arn=config.accounts[0].role_arn,
        credentials=__import__("trayapp.core.model", fromlist=["RoleCredentials"]).RoleCredentials(
            "ASIASTAMPEDE00000001", "secret", "token", "2099-01-01T00:00:00Z"
        ),
    )

    def fetch(account: Any) -> CachedSession:
        fetched.append(account.name)
        inside.set()
        release.wait(10)
        return session

    monkeypatch.setattr(provider, "fetch", fetch)
    got: list[CachedSession] = []
    threads = [
        threading.Thread(target=lambda: got.append(provider.credentials(config.accounts[0])))
        for _ in range(10)
    ]
    for thread in threads:
        thread.start()
    assert inside.wait(10)
    release.set()
    for thread in threads:
        thread.join(10)
    assert fetched == ["side-project"] and got == [session] * 10


def test_processes_on_an_aws_profile_share_one_call_too(
    stub: StsFaultStub, aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A role profile of ~/.aws/config: its key comes from the profile and its chain, the lock is the same."""
    use_config(monkeypatch, tmp_path, '[primary]\nlabel = "george"\n')
    aws_env.write_config("ops", role_arn="arn:aws:iam::444455556666:role/ops", source_profile="default")
    argv = [sys.executable, "-m", "trayapp", "creds", "ops", "--format", "json"]
    processes = [
        subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(10)
    ]
    answers = results(processes)
    assert len(stub.calls("AssumeRole")) == 1
    assert {a["AccessKeyId"] for a in answers} == {stub.issued[0].access_key_id}
