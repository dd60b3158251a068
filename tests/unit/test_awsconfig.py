"""Role profiles of the AWS CLI config become accounts; the trayapp config wins on a name clash."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from trayapp.core.awsconfig import aws_config_path, load_profiles, role_profiles
from trayapp.core.config import load_config
from trayapp.core.model import Account

WriteFile = Callable[..., Path]

AWS_CONFIG = """\
[default]
region = us-east-1

[profile base]
region = eu-west-1

[profile work-admin]
role_arn = arn:aws:iam::012345678901:role/ops/admin
source_profile = base
mfa_serial = arn:aws:iam::111122223333:mfa/george
external_id = ext-42
duration_seconds = 7200
role_session_name = george
region = eu-central-1
color = #FF0000

[profile chained]
role_arn = arn:aws:iam::222233334444:role/reader
source_profile = work-admin

[profile aesr]
aws_account_id = 333344445555
role_name = viewer
region = us-gov-west-1
color = 83d4e8

[profile broken]
role_arn = arn:aws:iam::1234:role/x
source_profile = base

[profile self-keys]
role_arn = arn:aws:iam::555566667777:role/deploy
source_profile = self-keys
aws_access_key_id = AKIAEXAMPLE
aws_secret_access_key = example

[profile gov]
role_arn = arn:aws-us-gov:iam::444455556666:role/admin
credential_source = Environment

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
"""


def header_line(text: str, header: str) -> int:
    return text.splitlines().index(header) + 1


@pytest.fixture
def aws_config(isolated_home: Path) -> Path:
    path = Path(os.environ["AWS_CONFIG_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(AWS_CONFIG, encoding="utf-8")
    return path


EXPECTED = [
    Account(
        name="work-admin",
        display_name="work-admin",
        account_id="012345678901",
        role_name="ops/admin",
        partition="aws",
        color="ff0000",
        region="eu-central-1",
        external_id="ext-42",
        duration_seconds=7200,
        mfa_serial="arn:aws:iam::111122223333:mfa/george",
        source="aws-config",
        source_profile="base",
        role_session_name="george",
        chained=False,
        line=header_line(AWS_CONFIG, "[profile work-admin]"),
        source_chain=("base",),
    ),
    Account(
        name="chained",
        display_name="chained",
        account_id="222233334444",
        role_name="reader",
        source="aws-config",
        source_profile="work-admin",
        chained=True,  # its source profile is itself a role
        line=header_line(AWS_CONFIG, "[profile chained]"),
        source_chain=("work-admin", "base"),  # botocore walks to base, whose keys sign
    ),
    Account(
        name="aesr",
        display_name="aesr",
        account_id="333344445555",
        role_name="viewer",
        partition="aws-us-gov",  # from the region, as there is no ARN
        color="83d4e8",
        region="us-gov-west-1",
        source="aws-config",
        line=header_line(AWS_CONFIG, "[profile aesr]"),
        source_chain=("[primary]",),  # no source_profile: the primary signs
    ),
    Account(
        name="self-keys",
        display_name="self-keys",
        account_id="555566667777",
        role_name="deploy",
        source="aws-config",
        source_profile="self-keys",
        chained=False,  # a profile that is its own source uses its own keys
        line=header_line(AWS_CONFIG, "[profile self-keys]"),
        source_chain=("self-keys",),
    ),
    Account(
        name="gov",
        display_name="gov",
        account_id="444455556666",
        role_name="admin",
        partition="aws-us-gov",
        source="aws-config",
        line=header_line(AWS_CONFIG, "[profile gov]"),
        source_chain=("credential_source=Environment",),
    ),
]


def test_role_profiles_become_accounts(aws_config: Path) -> None:
    accounts, _ = role_profiles(aws_config)
    assert accounts == EXPECTED


def test_broken_role_arn_is_skipped_and_reported_with_its_line(aws_config: Path) -> None:
    accounts, problems = role_profiles(aws_config)
    assert "broken" not in [a.name for a in accounts]
    [problem] = problems
    assert (problem.file, problem.line, problem.key) == (
        aws_config,
        header_line(AWS_CONFIG, "[profile broken]"),
        "profile broken",
    )
    assert "arn:aws:iam::1234:role/x" in problem.message
    assert str(problem).startswith(f"{aws_config}:{problem.line}: profile broken: ")


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ("role_arn = arn:aws:iam::111111111111:role/r\ncolor = red", "expected a hex colour"),
        ("role_arn = arn:aws:iam::111111111111:role/r\nduration_seconds = 60", "between 15m and 12h"),
        ("role_arn = arn:aws:iam::111111111111:role/r\nregion = Europe", "is not an AWS region"),
        ("aws_account_id = 11111111111\nrole_name = r", "is not 12 digits"),
        ("role_arn = arn:aws:iam::111111111111:role/bad name", "a role name is 1 to 64"),
    ],
)
def test_bad_profiles_are_skipped_with_a_problem(write_file: WriteFile, profile: str, message: str) -> None:
    path = write_file(
        "aws-config",
        "[profile ok]\nrole_arn = arn:aws:iam::999999999999:role/r\ncredential_source = Environment\n\n"
        f"[profile bad]\ncredential_source = Environment\n{profile}\n",
    )
    accounts, problems = role_profiles(path)
    assert [a.name for a in accounts] == ["ok"]
    assert [(p.line, p.key) for p in problems] == [(5, "profile bad")]
    assert message in problems[0].message


def test_missing_or_unreadable_aws_config(tmp_path: Path, write_file: WriteFile) -> None:
    assert load_profiles(tmp_path / "absent") == {}
    assert role_profiles(tmp_path / "absent") == ([], [])
    garbage = write_file("garbage", "this is not [ini\n[profile x\nrole_arn = 1\n")
    accounts, [problem] = role_profiles(garbage)  # the AWS CLI refuses it too: said, not silently empty
    assert accounts == [] and problem.file == garbage and "cannot read this file" in problem.message


def test_aws_config_path(monkeypatch: pytest.MonkeyPatch, isolated_home: Path) -> None:
    assert aws_config_path() == Path(os.environ["AWS_CONFIG_FILE"])
    assert aws_config_path({"AWS_CONFIG_FILE": "/elsewhere/config"}) == Path("/elsewhere/config")
    assert aws_config_path({}) == isolated_home / ".aws" / "config"
    monkeypatch.delenv("AWS_CONFIG_FILE")
    assert aws_config_path() == isolated_home / ".aws" / "config"


# --- through load_config ---------------------------------------------------------------------------------

TRAYAPP_CONFIG = """
[[account]]
name = "work-admin"
display_name = "Work (from trayapp)"
account_id = "999999999999"
role_name = "admin"

[[account]]
name = "mine"
account_id = "888888888888"
role_name = "admin"
"""


def test_load_config_adds_aws_config_accounts_after_its_own(aws_config: Path, write_file: WriteFile) -> None:
    config = load_config(write_file("config.toml", TRAYAPP_CONFIG))
    assert [(a.name, a.source) for a in config.accounts] == [
        ("work-admin", "config"),  # the trayapp config wins the name
        ("mine", "config"),
        ("chained", "aws-config"),
        ("aesr", "aws-config"),
        ("self-keys", "aws-config"),
        ("gov", "aws-config"),
    ]
    assert config.accounts[0].account_id == "999999999999"
    assert config.accounts[0].display_name == "Work (from trayapp)"
    assert config.accounts[2:] == tuple(EXPECTED[1:])


def test_load_config_aws_config_profiles_false(aws_config: Path, write_file: WriteFile) -> None:
    text = "[settings]\naws_config_profiles = false\n" + TRAYAPP_CONFIG
    config = load_config(write_file("config.toml", text))
    assert [(a.name, a.source) for a in config.accounts] == [("work-admin", "config"), ("mine", "config")]


def test_load_config_without_trayapp_config_still_lists_aws_profiles(
    aws_config: Path, tmp_path: Path
) -> None:
    config = load_config(tmp_path / "absent.toml")
    assert config.exists is False
    assert config.accounts == tuple(EXPECTED)


def test_load_config_takes_an_injected_environment(
    aws_config: Path, write_file: WriteFile, tmp_path: Path
) -> None:
    other = write_file(
        "other-aws-config",
        "[profile only]\nrole_arn = arn:aws:iam::121212121212:role/r\ncredential_source = Environment\n",
    )
    config = load_config(tmp_path / "absent.toml", environ={"AWS_CONFIG_FILE": str(other)})
    assert [(a.name, a.account_id, a.source) for a in config.accounts] == [
        ("only", "121212121212", "aws-config")
    ]
