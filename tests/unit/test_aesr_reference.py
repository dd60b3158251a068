"""AWS Extend Switch Roles' own examples (its README and its parser's tests), read as AESR reads them.

Through ``import aesr`` and through ``~/.aws/config`` alike, with the expected accounts written out.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from trayapp.core.awsconfig import role_profiles
from trayapp.core.importing import parse_aesr

README_SIMPLE = """
[profile marketingadmin]
role_arn = arn:aws:iam::123456789012:role/marketingadmin
color = ffaaee

[anotheraccount]
aws_account_id = 987654321987
role_name = anotherrole
color=bbeeff
"""

README_COMPLEX = """
[organization1]
aws_account_id = your-account-alias

[Org1-Account1-Role1]
role_arn = arn:aws:iam::123456789012:role/Role1
source_profile = organization1

[Org1-Account1-Role2]
aws_account_id = 123456789012
role_name = Role2
source_profile = organization1

[Org1-Account2-Role1]
aws_account_id = 210987654321
role_name = Role1
source_profile = organization1

[baseaccount2]
aws_account_id = 000000000000

[Base2-Role1]
role_arn = arn:aws:iam::234567890123:role/Role1
source_profile = baseaccount2

[AnotherRole]
role_name = SomeOtherRole
aws_account_id = account-3-alias
"""

# profile_set.test.js: "base account with target_role_name" and "with target_region" (a real region here)
TARGETS = """
[profile target1]
aws_account_id = 111122223334
role_name = Role1
source_profile = base1

[profile target2]
aws_account_id = 111122223335
source_profile = base1

[profile base1]
aws_account_id = 111100003333
target_role_name = DefaultRole
target_region = eu-west-1

[profile target5]
aws_account_id = 333300001113
region = ap-northeast-1
source_profile = base1

[profile independence]
aws_account_id = 111122223333
role_name = independence_role
"""

# profile_set.test.js: "base account has role_name" (its login role or permission set)
BASE_WITH_ROLE = """
[profile base-c-1]
aws_account_id = 777711112222
role_name = entry-role-c-1

[profile c-1-stg]
aws_account_id = 888811113333
role_name = stg-role
source_profile = base-c-1
color = 00ddff
"""


def accounts_of(text: str) -> list[tuple[str, str, str, str | None, str | None]]:
    candidates, _ = parse_aesr(textwrap.dedent(text))
    return [(c["name"], c["account_id"], c["role_name"], c.get("region"), c.get("color")) for c in candidates]


def skipped_of(text: str) -> dict[str, str]:
    _, skipped = parse_aesr(textwrap.dedent(text))
    return {s.label.split(" (line")[0]: s.reason for s in skipped}


def test_readme_simple_configuration() -> None:
    assert accounts_of(README_SIMPLE) == [
        ("marketingadmin", "123456789012", "marketingadmin", None, "#ffaaee"),
        ("anotheraccount", "987654321987", "anotherrole", None, "#bbeeff"),
    ]


def test_readme_complex_configuration() -> None:
    assert accounts_of(README_COMPLEX) == [
        ("Org1-Account1-Role1", "123456789012", "Role1", None, None),
        ("Org1-Account1-Role2", "123456789012", "Role2", None, None),
        ("Org1-Account2-Role1", "210987654321", "Role1", None, None),
        ("Base2-Role1", "234567890123", "Role1", None, None),
    ]
    skipped = skipped_of(README_COMPLEX)
    assert skipped["organization1"].startswith("a base account") and skipped["baseaccount2"].startswith(
        "a base"
    )
    assert "account alias" in skipped["AnotherRole"]  # an alias is no account id for an ARN


def test_target_role_name_and_target_region_apply_to_the_roles_under_a_base() -> None:
    assert accounts_of(TARGETS) == [
        ("target1", "111122223334", "Role1", "eu-west-1", None),
        ("target2", "111122223335", "DefaultRole", "eu-west-1", None),
        ("target5", "333300001113", "DefaultRole", "ap-northeast-1", None),
        ("independence", "111122223333", "independence_role", None, None),
    ]
    assert skipped_of(TARGETS) == {"base1": "a base account (where you sign in), not a role to switch to"}


def test_a_base_with_a_role_name_is_never_a_switch_target() -> None:
    assert accounts_of(BASE_WITH_ROLE) == [("c-1-stg", "888811113333", "stg-role", None, "#00ddff")]
    assert skipped_of(BASE_WITH_ROLE)["base-c-1"].startswith("a base account")


def test_comments_and_spaces_everywhere() -> None:
    text = (
        "[profile a]# comment\n; comment\nrole_arn = arn:aws:iam::123456789012:role/roleA  #\n\n"
        "  [profile B] # comment\nrole_arn = arn:aws:iam::123456789012:role/role-b;\n  # comment\n"
        "[profileC];comment\n# comment\n  role_arn = arn:aws:iam::123456789012:role/c  ;comment\n  ; comment\n"
    )
    assert [(n, a, r) for n, a, r, _, _ in accounts_of(text)] == [
        ("a", "123456789012", "roleA"),
        ("B", "123456789012", "role-b"),
        ("profileC", "123456789012", "c"),
    ]


def test_a_key_given_twice_is_reported_with_its_lines() -> None:
    text = (
        "[profile A]\nrole_arn = arn:aws:iam::123456789012:role/roleA\n\n"
        ";[ignored]\nrole_arn = arn:aws:iam::123456789012:role/role-B\n"
    )
    assert accounts_of(text) == []
    assert skipped_of(text) == {"A": "role_arn is given twice (lines 2 and 5)"}


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (
            "aws_account_id = 999999999999",
            "role_arn names account 123456789012 but aws_account_id (line 3) says 999999999999",
        ),
        ("role_name = other", "role_arn names role 'admin' but role_name (line 3) says 'other'"),
    ],
)
def test_role_arn_that_contradicts_the_other_keys_is_reported(extra: str, reason: str) -> None:
    text = f"[profile A]\nrole_arn = arn:aws:iam::123456789012:role/admin\n{extra}\n"
    assert accounts_of(text) == []
    assert skipped_of(text) == {"A": reason}


def write_aws_config(text: str) -> Path:
    """Write ``text`` where botocore and trayapp look for ``~/.aws/config`` (the isolated HOME's)."""
    path = Path(os.environ["AWS_CONFIG_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_same_examples_in_the_aws_config(isolated_home: Path) -> None:
    accounts, problems = role_profiles(write_aws_config(textwrap.dedent(TARGETS + BASE_WITH_ROLE)))
    assert problems == []
    assert [(a.name, a.account_id, a.role_name, a.region, a.source_profile) for a in accounts] == [
        ("target1", "111122223334", "Role1", "eu-west-1", "base1"),
        ("target2", "111122223335", "DefaultRole", "eu-west-1", "base1"),
        ("target5", "333300001113", "DefaultRole", "ap-northeast-1", "base1"),
        ("independence", "111122223333", "independence_role", None, None),
        ("c-1-stg", "888811113333", "stg-role", None, "base-c-1"),
    ]


UNDER_A_BASE_WITHOUT_TARGET_ROLE = (
    "[profile base]\naws_account_id = 111100003333\n\n[profile target]\naws_account_id = 111122223335\n"
    "source_profile = base\n"
)


@pytest.mark.parametrize(
    ("text", "line", "key", "said"),
    [
        pytest.param(
            "[profile A]\nrole_arn = arn:aws:iam::123456789012:role/admin\ncredential_source = Environment\n"
            "aws_account_id = 999999999999\n",
            1,
            "profile A",
            "aws_account_id says 999999999999",
            id="role_arn-contradicting-aesr-keys",
        ),
        # botocore (configparser) refuses the whole file, and so does the AWS CLI: said, never silently empty.
        pytest.param(
            "[profile A]\nrole_arn = arn:aws:iam::123456789012:role/a\n"
            "role_arn = arn:aws:iam::123456789012:role/b\n",
            3,
            None,
            "role_arn",
            id="key-given-twice",
        ),
        pytest.param(
            UNDER_A_BASE_WITHOUT_TARGET_ROLE,
            4,
            "profile target",
            "sets no target_role_name",
            id="role-under-a-base-without-target_role_name",
        ),
    ],
)
def test_an_aws_config_problem_is_said_with_its_line(
    isolated_home: Path, text: str, line: int, key: str | None, said: str
) -> None:
    accounts, [problem] = role_profiles(write_aws_config(text))
    assert accounts == [] and problem.line == line and said in problem.message
    if key is not None:
        assert problem.key == key


def test_aesr_skips_a_role_under_a_base_without_target_role_name_saying_why() -> None:
    _, skipped = parse_aesr(UNDER_A_BASE_WITHOUT_TARGET_ROLE)
    assert [s.reason for s in skipped if s.label.startswith("target")] == [
        "no role_name, and its base [base] sets no target_role_name"
    ]
