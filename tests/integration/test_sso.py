"""IAM Identity Center accounts: import sso, credentials, signed sign-in, and the AWS CLI as a real client.

`aws sso login` cannot run here: the token file it leaves (~/.aws/sso/cache/<sha1>.json) is written
the way botocore reads it, and botocore reaches the portal stub through AWS_ENDPOINT_URL_SSO.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from support.awscli import run_aws
from support.servers import (
    AwsEnv,
    FederationStub,
    RecordingStsStub,
    SsoPortalStub,
    signing_key,
    write_sso_token,
)

pytestmark = pytest.mark.aws

TOKEN = "sso-test-access-token"
START_URL = "https://corp.awsapps.com/start"
ACCOUNTS = {
    "111122223333": ("Development", ["Admin", "ReadOnly", "Billing"]),
    "222233334444": ("Production", ["ReadOnly"]),
    "333344445555": ("Sandbox", ["Admin"]),
}
TRAYAPP_BIN = Path(sys.executable).parent / "trayapp"


@pytest.fixture
def portal(aws_env: AwsEnv, isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SsoPortalStub]:
    stub = SsoPortalStub(TOKEN, ACCOUNTS, page_size=2)
    stub.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", stub.url)
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.config_file.write_text(
        f"[sso-session corp]\nsso_region = eu-west-1\nsso_start_url = {START_URL}\n"
        "sso_registration_scopes = sso:account:access\n",
        encoding="utf-8",
    )
    try:
        yield stub
    finally:
        stub.stop()


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("TRAYAPP_CONFIG", str(path))
    return path


def login(home: Path, expires_in: timedelta = timedelta(hours=2)) -> None:
    """What `aws sso login --sso-session corp` leaves behind."""
    write_sso_token(home, "corp", TOKEN, START_URL, "eu-west-1", datetime.now(UTC) + expires_in)


def trayapp(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trayapp", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_import_sso_adds_every_role_of_every_account_across_pages(
    portal: SsoPortalStub, isolated_home: Path, config_path: Path
) -> None:
    login(isolated_home)
    dry = trayapp("import", "sso", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would add 5 accounts" in dry.stdout and not config_path.exists()
    portal.reset()
    result = trayapp("import", "sso", "--group", "Corp")
    assert result.returncode == 0, result.stderr
    listed = json.loads(trayapp("list", "--json").stdout)
    assert sorted((a["account_id"], a["role_name"], a["source"], a["group"]) for a in listed) == sorted(
        (account, role, "aws-sso", "Corp") for account, (_, roles) in ACCOUNTS.items() for role in roles
    )
    pages = [r for r in portal.requests if r.path == "/assignment/accounts"]
    assert [r.query.get("next_token") for r in pages] == [None, "2"]  # both pages of three accounts
    role_pages = [
        r.query.get("next_token") for r in portal.requests if r.query.get("account_id") == "111122223333"
    ]
    assert role_pages == [None, "2"]  # three roles, two pages
    assert {r.token for r in portal.requests} == {TOKEN}
    again = trayapp("import", "sso")
    assert "Nothing added, 5 skipped" in again.stdout  # same account and role: already there


def test_sso_account_credentials_come_from_get_role_credentials(
    portal: SsoPortalStub, isolated_home: Path, config_path: Path
) -> None:
    login(isolated_home)
    assert trayapp("import", "sso").returncode == 0
    portal.reset()
    result = trayapp("creds", "Production-ReadOnly", "--format", "json")
    assert result.returncode == 0, result.stderr
    [call] = [r for r in portal.requests if r.path == "/federation/credentials"]
    assert (call.query["account_id"], call.query["role_name"], call.token) == (
        "222233334444",
        "ReadOnly",
        TOKEN,
    )
    assert json.loads(result.stdout)["AccessKeyId"] == portal.issued[0].access_key_id
    cached = trayapp("creds", "Production-ReadOnly", "--format", "json")
    assert json.loads(cached.stdout)["AccessKeyId"] == portal.issued[0].access_key_id
    assert len(portal.issued) == 1  # served from trayapp's session cache


@pytest.mark.parametrize("expires_in", [timedelta(hours=-1), None], ids=["expired", "never-signed-in"])
def test_an_expired_or_missing_sign_in_names_the_command(
    portal: SsoPortalStub, isolated_home: Path, config_path: Path, expires_in: timedelta | None
) -> None:
    login(isolated_home)
    assert trayapp("import", "sso").returncode == 0
    token_files = list((isolated_home / ".aws" / "sso" / "cache").iterdir())
    for path in token_files:
        path.unlink()
    if expires_in is not None:
        login(isolated_home, expires_in)
    for argv in (["creds", "Sandbox-Admin"], ["import", "sso", "--dry-run"]):
        result = trayapp(*argv)
        assert result.returncode == 1
        assert len(result.stderr.splitlines()) == 1, result.stderr
        line = result.stderr
        assert "run 'aws sso login --sso-session corp'" in line and "Traceback" not in line
    assert portal.issued == []


def test_aws_config_sso_profiles_are_accounts_grouped_by_session(
    portal: SsoPortalStub, isolated_home: Path, config_path: Path, aws_env: AwsEnv
) -> None:
    aws_env.write_config("dev", sso_session="corp", sso_account_id="111122223333", sso_role_name="Admin")
    aws_env.write_config(
        "ops", sso_session="corp", sso_account_id="222233334444", sso_role_name="ReadOnly", group="Ops"
    )
    listed = {a["name"]: a for a in json.loads(trayapp("list", "--json").stdout)}
    assert (listed["dev"]["source"], listed["dev"]["group"]) == ("aws-sso", "corp")
    assert listed["ops"]["group"] == "Ops"
    switch = trayapp("url", "dev", "--switch-role")
    assert switch.returncode == 2 and "IAM Identity Center" in switch.stderr and "signed" in switch.stderr


def test_signed_sign_in_uses_the_role_credentials(
    portal: SsoPortalStub, isolated_home: Path, config_path: Path, federation_stub: FederationStub
) -> None:
    login(isolated_home)
    assert trayapp("import", "sso").returncode == 0
    result = trayapp("url", "Development-Admin")  # signed by default: switch-role cannot reach it
    assert result.returncode == 0, result.stderr
    assert parse_qs(urlsplit(result.stdout.strip()).query)["SigninToken"] == federation_stub.tokens_issued
    [request] = federation_stub.token_requests()
    assert request.session is not None and request.session["sessionId"] == portal.issued[0].access_key_id
    assert request.session_duration is None  # not AssumeRole from an IAM user's keys: no SessionDuration


def test_the_aws_cli_uses_an_sso_account_through_credential_process(
    aws_cli: Path,
    portal: SsoPortalStub,
    isolated_home: Path,
    config_path: Path,
    aws_env: AwsEnv,
) -> None:
    login(isolated_home)
    assert trayapp("import", "sso").returncode == 0
    exported = trayapp("export", "aws-config", "--write")
    assert exported.returncode == 0, exported.stderr
    assert "sandbox-admin" in exported.stdout
    with RecordingStsStub() as sts:
        aws_env.use_sts(sts.url)
        env = {"AWS_ENDPOINT_URL_STS": sts.url, "AWS_ENDPOINT_URL_SSO": portal.url, **_no_keys()}
        done = run_aws(["sts", "get-caller-identity", "--profile", "sandbox-admin", "--output", "json"], env)
        assert done.returncode == 0, done.stderr
        [call] = sts.requests
        assert signing_key(call) == portal.issued[-1].access_key_id  # the SSO role's key, through trayapp
        assert portal.issued[-1].secret_access_key not in done.stdout + done.stderr


def _no_keys() -> dict[str, str | None]:
    return {
        k: None
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
        if k in os.environ
    }
