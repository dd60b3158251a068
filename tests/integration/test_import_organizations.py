"""``trayapp import organizations`` as a user runs it, against moto's Organizations and STS:
the member accounts are added with the role and group, the primary's own (management) account
and closed accounts are skipped, a second run adds nothing, and failures are one sentence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from sessions_kit import assert_no_secrets, one_sentence, run_trayapp, secrets_of
from support.servers import DEFAULT_ACCOUNT, AwsEnv, MotoServer, closed_url

from trayapp.core.config import load_config

pytestmark = pytest.mark.aws

USER_CONFIG = """\
# my trayapp accounts
[primary]
region = "eu-west-1"   # keep this comment

[[account]]
name = "by-hand"
account_id = "999988887777"
role_name = "admin"
"""


def organizations(aws_env: AwsEnv) -> Any:
    """A boto3 Organizations client with the primary's keys, on moto (AWS_ENDPOINT_URL_ORGANIZATIONS)."""
    return boto3.client(
        "organizations",
        region_name="us-east-1",
        aws_access_key_id=aws_env.access_key_id,
        aws_secret_access_key=aws_env.secret_access_key,
    )


def make_organization(aws_env: AwsEnv, names: list[str]) -> dict[str, str]:
    """An organization whose management account is the primary's, with member accounts; name -> id."""
    client = organizations(aws_env)
    client.create_organization(FeatureSet="ALL")
    ids = {}
    for name in names:
        status = client.create_account(
            AccountName=name, Email=f"{name.lower().replace(' ', '-')}@example.com"
        )
        ids[name] = status["CreateAccountStatus"]["AccountId"]
    return ids


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(USER_CONFIG)
    monkeypatch.setenv("TRAYAPP_CONFIG", str(path))
    return path


def test_members_are_added_with_role_and_group_and_a_second_run_adds_nothing(
    aws_env: AwsEnv, moto: MotoServer, config_path: Path
) -> None:
    ids = make_organization(aws_env, ["Dev", "Staging", "Prod"])
    result = run_trayapp("import", "organizations", "--group", "Org")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    role = "OrganizationAccountAccessRole"
    assert lines[:3] == [  # sorted by name
        f"added dev ({ids['Dev']}, {role})",
        f"added prod ({ids['Prod']}, {role})",
        f"added staging ({ids['Staging']}, {role})",
    ]
    assert (
        lines[3].startswith("skipped ")
        and f"({DEFAULT_ACCOUNT}, {role}): the primary's own account" in lines[3]
    )
    assert lines[4] == f"Added 3 accounts to {config_path}, 1 skipped."

    text = config_path.read_text()
    assert text.startswith(USER_CONFIG)  # the user's lines and comments are untouched
    added = {a.name: a for a in load_config(config_path).accounts}
    assert set(added) == {"by-hand", "dev", "staging", "prod"}
    for name, display in (("dev", "Dev"), ("staging", "Staging"), ("prod", "Prod")):
        account = added[name]
        assert (account.display_name, account.account_id, account.role_name, account.group) == (
            display,
            ids[display],
            role,
            "Org",
        )
    assert DEFAULT_ACCOUNT not in {a.account_id for a in added.values()}

    again = run_trayapp("import", "organizations", "--group", "Org")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == f"Nothing added, 4 skipped; {config_path} is unchanged."
    assert "already there as 'dev'" in again.stdout
    assert config_path.read_text() == text


def test_role_name_dry_run_and_closed_accounts(aws_env: AwsEnv, moto: MotoServer, config_path: Path) -> None:
    ids = make_organization(aws_env, ["Sandbox", "Old one"])
    organizations(aws_env).close_account(AccountId=ids["Old one"])
    result = run_trayapp("import", "organizations", "--role-name", "/ops/ReadOnly", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert f"would add sandbox ({ids['Sandbox']}, ops/ReadOnly)" in result.stdout
    assert f"skipped Old one ({ids['Old one']}, ops/ReadOnly): the account is suspended" in result.stdout
    assert result.stdout.splitlines()[-1].endswith("2 skipped; nothing was written.")
    assert config_path.read_text() == USER_CONFIG


def test_primary_account_id_from_the_config_is_skipped_without_asking_sts(
    aws_env: AwsEnv, moto: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = make_organization(aws_env, ["Alpha", "Beta"])
    path = tmp_path / "config.toml"
    path.write_text(f'[primary]\naccount_id = "{ids["Alpha"]}"\n')
    monkeypatch.setenv("TRAYAPP_CONFIG", str(path))
    aws_env.use_sts(closed_url())  # STS is not needed when [primary] account_id is set
    result = run_trayapp("import", "organizations")
    assert result.returncode == 0, result.stderr
    assert f"skipped Alpha ({ids['Alpha']}, OrganizationAccountAccessRole): the primary's own account" in (
        result.stdout
    )
    assert {a.account_id for a in load_config(path).accounts} == {DEFAULT_ACCOUNT, ids["Beta"]}


def test_a_closed_endpoint_is_one_sentence(aws_env: AwsEnv, moto: MotoServer, config_path: Path) -> None:
    url = closed_url()
    aws_env.use_endpoint(url, ("ORGANIZATIONS",))
    result = run_trayapp("import", "organizations", timeout=60)
    assert result.returncode == 1
    sentence = one_sentence(result)
    assert sentence == (
        "Could not list the accounts of your AWS Organization: "
        f"could not connect to AWS Organizations at {url}; check your network"
    )
    assert_no_secrets(result.stderr, secrets_of())
    assert config_path.read_text() == USER_CONFIG


def test_missing_primary_keys_are_one_sentence(aws_env: AwsEnv, moto: MotoServer, config_path: Path) -> None:
    aws_env.credentials_file.write_text("")
    result = run_trayapp("import", "organizations")
    assert result.returncode == 1
    assert "no AWS credentials found for the primary IAM user" in one_sentence(result)


def test_a_file_argument_is_refused(aws_env: AwsEnv, config_path: Path) -> None:
    result = run_trayapp("import", "organizations", "accounts.ini")
    assert result.returncode == 2
    assert one_sentence(result) == "'trayapp import organizations' takes no FILE or URL, got 'accounts.ini'"
