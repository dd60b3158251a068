"""The session cache key: from the source and the exact request, pure, computable before boto3 is imported."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from trayapp.core.cache import MemoryCache
from trayapp.core.model import Account, Config, Primary
from trayapp.core.sessionkey import (
    CHAINING_CAP,
    config_account_key,
    config_account_request,
    primary_source,
    role_request,
    session_key,
)
from trayapp.core.sessions import SessionProvider

ACCOUNT = Account(name="side", display_name="Side", account_id="444455556666", role_name="ops/admin")
PRIMARY = Primary(mfa_serial="arn:aws:iam::111122223333:mfa/george")


def test_the_request_is_what_assume_role_is_sent() -> None:
    account = replace(ACCOUNT, external_id="ext-1", duration_seconds=7200, role_session_name="george")
    assert config_account_request(account, PRIMARY) == {
        "RoleArn": "arn:aws:iam::444455556666:role/ops/admin",
        "ExternalId": "ext-1",
        "SerialNumber": "arn:aws:iam::111122223333:mfa/george",
        "DurationSeconds": 7200,
        "RoleSessionName": "george",
    }
    chained = replace(account, chained=True)
    assert config_account_request(chained, PRIMARY)["DurationSeconds"] == CHAINING_CAP


def test_the_provider_uses_the_pure_key_for_config_accounts() -> None:
    environ = {"AWS_PROFILE": "work"}
    config = Config(path=Path("/c.toml"), exists=True, primary=PRIMARY, accounts=(ACCOUNT,))
    provider = SessionProvider(config, MemoryCache(), lambda *a: None, environ=environ)
    assert provider.cache_key(ACCOUNT) == config_account_key(ACCOUNT, PRIMARY, environ)
    assert provider.cache_key(ACCOUNT) == session_key(
        {"kind": "primary", "profile": "work", "env_key": None}, config_account_request(ACCOUNT, PRIMARY)
    )


def test_every_part_of_source_and_request_changes_the_key() -> None:
    base = session_key(primary_source(None, {}), role_request("arn:aws:iam::1:role/r"))
    variants = {
        session_key(primary_source("p", {}), role_request("arn:aws:iam::1:role/r")),
        session_key(primary_source(None, {"AWS_PROFILE": "q"}), role_request("arn:aws:iam::1:role/r")),
        session_key(
            primary_source(None, {"AWS_ACCESS_KEY_ID": "AKIAX"}), role_request("arn:aws:iam::1:role/r")
        ),
        session_key(primary_source(None, {}), role_request("arn:aws:iam::1:role/s")),
        session_key(primary_source(None, {}), role_request("arn:aws:iam::1:role/r", external_id="e1")),
        session_key(
            primary_source(None, {}), role_request("arn:aws:iam::1:role/r", serial="arn:aws:iam::1:mfa/x")
        ),
        session_key(primary_source(None, {}), role_request("arn:aws:iam::1:role/r", duration=900)),
        session_key(primary_source(None, {}), role_request("arn:aws:iam::1:role/r", session_name="n")),
    }
    assert base not in variants and len(variants) == 8
    assert len(base) == 40 and all(c in "0123456789abcdef" for c in base)


def test_computing_the_key_imports_no_boto3_and_reads_no_file() -> None:
    code = (
        "import sys, trayapp.core.sessionkey as k\n"
        "from trayapp.core.model import Account, Primary\n"
        "print(k.config_account_key(Account('a', 'A', '444455556666', 'r'), Primary(), {}))\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'platformdirs', 'tomllib'))\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == config_account_key(Account("a", "A", "444455556666", "r"), Primary(), {})
