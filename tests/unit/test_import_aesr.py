"""Importing an AWS Extend Switch Roles config: the INI dialect (inline comments, bases with
target_role_name), role_arn with a path, sections that cannot be used, duplicates, the user's
comments kept, --dry-run, and the command line as a subprocess."""

from __future__ import annotations

import stat
import textwrap
from pathlib import Path

import pytest
from support.cli import RunCli

from trayapp.core.config import load_config
from trayapp.core.errors import UsageError
from trayapp.core.importing import Skipped, add_accounts, parse_aesr, unique_name

AESR = """\
; exported from the browser extension
[organization1]
aws_account_id = 111122223333   ; the account I sign in to
target_role_name = Role1
target_region = eu-west-1

[Org1-Account1-Role1]
aws_account_id = 123456789012
source_profile = organization1
color = ffaaee # pink

[profile Org1-Account1-Role2]
aws_account_id = 1234-5678-9012
role_name = Role2 ; overrides target_role_name
region = us-west-2 # overrides target_region
source_profile = organization1

[profile marketing admin]
role_arn = arn:aws:iam::444455556666:role/ops/marketing-admin
color = FFF
"""

USER_CONFIG = """\
# my own accounts: keep this comment
[primary]
region = "eu-west-1"  # Ireland

[[account]]
name = "old-role2"        # the same account and role as Org1-Account1-Role2
account_id = "123456789012"
role_name = "Role2"

[settings]
clipboard_clear_seconds = 30  # shorter
"""


def aesr(text: str) -> tuple[list[dict[str, str]], list[Skipped]]:
    return parse_aesr(textwrap.dedent(text).lstrip("\n"))


def reasons(skipped: list[Skipped]) -> dict[str, str]:
    return {s.label.split(" (")[0]: s.reason for s in skipped}


# -- the parser ----------------------------------------------------------------------------------


def test_roles_become_accounts_with_the_base_target_role_and_region() -> None:
    candidates, skipped = parse_aesr(AESR)
    assert candidates == [
        {
            "name": "Org1-Account1-Role1",
            "display_name": "Org1-Account1-Role1",
            "account_id": "123456789012",
            "role_name": "Role1",  # the base's target_role_name
            "color": "#ffaaee",
            "region": "eu-west-1",  # the base's target_region
        },
        {
            "name": "Org1-Account1-Role2",
            "display_name": "Org1-Account1-Role2",
            "account_id": "123456789012",  # dashes dropped
            "role_name": "Role2",  # its own role_name wins
            "region": "us-west-2",  # and its own region
        },
        {
            "name": "marketing admin",
            "display_name": "marketing admin",
            "account_id": "444455556666",
            "role_name": "ops/marketing-admin",  # the path is kept
            "color": "#ffffff",  # AESR's CSS colour "FFF"
        },
    ]
    assert skipped == [
        Skipped("organization1 (line 2)", "a base account (where you sign in), not a role to switch to")
    ]


def test_semicolon_and_hash_start_a_comment_anywhere_on_a_line() -> None:
    candidates, skipped = aesr(
        """
        # comment line
        [dev] ; a comment after the header
        role_arn = arn:aws:iam::123456789012:role/dev;no space before it
        color=00ff00#no spaces either
        region = eu-central-1 # and a '#' comment
          ; an indented comment
        """
    )
    assert skipped == []
    assert candidates == [
        {
            "name": "dev",
            "display_name": "dev",
            "account_id": "123456789012",
            "role_name": "dev",
            "color": "#00ff00",
            "region": "eu-central-1",
        }
    ]


def test_a_govcloud_role_arn_keeps_its_partition(tmp_path: Path) -> None:
    candidates, _ = aesr(
        """
        [gov]
        role_arn = arn:aws-us-gov:iam::123456789012:role/admin
        """
    )
    assert candidates[0]["role_arn"] == "arn:aws-us-gov:iam::123456789012:role/admin"
    added, _ = add_accounts(tmp_path / "config.toml", candidates)
    assert (added[0].partition, added[0].account_id, added[0].role_name) == (
        "aws-us-gov",
        "123456789012",
        "admin",
    )


def test_a_base_later_in_the_file_still_gives_its_target_role() -> None:
    candidates, _ = aesr(
        """
        [child]
        aws_account_id = 123456789012
        source_profile = base
        [base]
        aws_account_id = 999999999999
        target_role_name = /team/reader/
        """
    )
    assert [(c["account_id"], c["role_name"]) for c in candidates] == [("123456789012", "team/reader")]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[a]\nrole_name = admin\n", "neither role_arn nor aws_account_id is set"),
        ("[a]\ncolor = ffffff\n", "neither role_arn nor aws_account_id is set"),
        (
            "[base]\naws_account_id = 111122223333\n[a]\naws_account_id = 123456789012\nsource_profile = base\n",
            "no role_name, and its base [base] sets no target_role_name",
        ),
        (
            "[a]\naws_account_id = 123456789012\nsource_profile = nowhere\n",
            "source_profile 'nowhere' names no section of this file",
        ),
        (
            "[a]\nrole_arn = arn:aws:iam::123456789012:user/bob\n",
            "role_arn 'arn:aws:iam::123456789012:user/bob' is not a role ARN",
        ),
        (
            "[a]\naws_account_id = my-alias\nrole_name = admin\n",
            "aws_account_id 'my-alias' is not a 12-digit account id (trayapp cannot use an account alias)",
        ),
        ("[a]\naws_account_id = 123456789012\nrole_name = bad name!\n", "role 'bad name!': a role name is"),
        ("[a]\nthis line has no equals sign\nrole_arn = x\n", "line 2 is not 'key = value'"),
        ("[a\nrole_arn = arn:aws:iam::123456789012:role/x\n", "'[a' is not a section header"),
    ],
)
def test_sections_that_are_not_usable_roles_are_skipped_with_the_reason(text: str, reason: str) -> None:
    candidates, skipped = parse_aesr(text)
    assert candidates == []
    assert skipped[-1].reason.startswith(reason), skipped
    assert all("base account" in s.reason for s in skipped[:-1])


def test_a_bad_section_does_not_stop_the_others() -> None:
    candidates, skipped = aesr(
        """
        stray = value before any section
        [good1]
        role_arn = arn:aws:iam::123456789012:role/a
        [bad]
        role_name = admin
        [good2]
        role_arn = arn:aws:iam::123456789012:role/b
        [good1]
        role_arn = arn:aws:iam::123456789012:role/c
        """
    )
    assert [c["name"] for c in candidates] == ["good1", "good2"]
    assert [s.label for s in skipped] == ["line 1", "bad (line 4)", "good1 (line 8)"]
    assert skipped[0].reason == "outside any [section]"
    assert skipped[2].reason == "a second [good1] section (the first is at line 2)"


def test_empty_and_comment_only_files_give_nothing() -> None:
    assert parse_aesr("") == ([], [])
    assert parse_aesr("; nothing\n# here\n\n") == ([], [])


# -- adding to the config ------------------------------------------------------------------------


def test_import_keeps_the_users_comments_and_skips_what_is_there(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(USER_CONFIG)
    candidates, _ = parse_aesr(AESR)
    added, skipped = add_accounts(path, candidates)
    assert [(a.name, a.account_id, a.role_name) for a in added] == [
        ("org1-account1-role1", "123456789012", "Role1"),
        ("marketing-admin", "444455556666", "ops/marketing-admin"),
    ]
    assert skipped == [
        Skipped("Org1-Account1-Role2 (123456789012, Role2)", "already there as 'old-role2'"),
    ]
    text = path.read_text()
    for line in USER_CONFIG.splitlines():
        assert line in text  # every line the user wrote, comments included, is still there
    assert text.index("[settings]") > text.index('name = "marketing-admin"')  # accounts stay together
    config = load_config(path)
    assert config.settings.clipboard_clear_seconds == 30
    first = next(a for a in config.accounts if a.name == "org1-account1-role1")
    assert (first.display_name, first.color, first.region) == ("Org1-Account1-Role1", "ffaaee", "eu-west-1")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]  # no temp file left
    again, skipped_again = add_accounts(path, candidates)
    assert again == [] and len(skipped_again) == 3
    assert path.read_text() == text


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(USER_CONFIG)
    added, _ = add_accounts(path, parse_aesr(AESR)[0], dry_run=True)
    assert len(added) == 2
    assert path.read_text() == USER_CONFIG
    missing = tmp_path / "new" / "config.toml"
    added, _ = add_accounts(missing, parse_aesr(AESR)[0], dry_run=True)
    assert len(added) == 3 and not missing.parent.exists()


def test_names_are_unique_and_duplicates_in_one_import_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[[account]]\nname = "dev"\naccount_id = "999999999999"\nrole_name = "x"\n')
    candidates, _ = aesr(
        """
        [dev]
        role_arn = arn:aws:iam::123456789012:role/a
        [DEV]
        role_arn = arn:aws:iam::123456789012:role/b
        [again]
        role_arn = arn:aws:iam::123456789012:role/a
        """
    )
    added, skipped = add_accounts(path, candidates)
    assert [a.name for a in added] == ["dev-2", "dev-3"]
    assert skipped == [Skipped("again (123456789012, a)", "earlier in this import as 'dev-2'")]


def test_a_role_the_config_would_refuse_is_skipped_not_written(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(USER_CONFIG)
    candidates, _ = aesr(
        """
        [bad colour]
        role_arn = arn:aws:iam::123456789012:role/a
        color = not-a-colour
        [bad region]
        role_arn = arn:aws:iam::123456789012:role/b
        region = mars-1
        [china]
        role_arn = arn:aws:iam::123456789012:role/c
        region = cn-north-1
        [fine]
        role_arn = arn:aws:iam::123456789012:role/d
        """
    )
    added, skipped = add_accounts(path, candidates)
    assert [a.name for a in added] == ["fine"]
    found = reasons(skipped)
    assert found["bad colour"].startswith("color: expected a hex colour")
    assert found["bad region"].startswith("region: must be an AWS region")
    assert found["china"] == "region: region cn-north-1 is not in the role's partition aws"


def test_a_broken_config_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[primary]\nregion = 42\n")
    with pytest.raises(UsageError, match=r"primary\.region"):
        add_accounts(path, parse_aesr(AESR)[0])
    assert path.read_text() == "[primary]\nregion = 42\n"


def test_unique_name_stays_within_64_characters() -> None:
    long = "a" * 70
    assert unique_name(long, set()) == "a" * 64
    assert unique_name(long, {"a" * 64}) == "a" * 62 + "-2"
    assert unique_name("", set()) == "account"


# -- the command line ----------------------------------------------------------------------------


def test_cli_import_aesr(tmp_path: Path, run_cli: RunCli) -> None:
    path, source = tmp_path / "config.toml", tmp_path / "aesr.ini"
    path.write_text(USER_CONFIG)
    source.write_text(AESR)
    dry = run_cli("--config", str(path), "import", "aesr", str(source), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[-1].endswith("skipped; nothing was written.")
    assert path.read_text() == USER_CONFIG

    result = run_cli("--config", str(path), "import", "aesr", str(source), "--group", "Org 1")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "added org1-account1-role1 (123456789012, Role1)",
        "added marketing-admin (444455556666, ops/marketing-admin)",
        "skipped organization1 (line 2): a base account (where you sign in), not a role to switch to",
        "skipped Org1-Account1-Role2 (123456789012, Role2): already there as 'old-role2'",
        f"Added 2 accounts to {path}, 2 skipped.",
    ]
    assert path.read_text().startswith("# my own accounts: keep this comment\n")
    listed = run_cli("--config", str(path), "list", "--json")
    assert '"group": "Org 1"' in listed.stdout

    again = run_cli("--config", str(path), "import", "aesr", str(source))
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == f"Nothing added, 4 skipped; {path} is unchanged."


def test_cli_import_aesr_usage_errors(tmp_path: Path, run_cli: RunCli) -> None:
    path = tmp_path / "config.toml"
    missing = run_cli("--config", str(path), "import", "aesr", str(tmp_path / "nope.ini"))
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"trayapp: cannot read {tmp_path / 'nope.ini'}: no such file"
    no_file = run_cli("--config", str(path), "import", "aesr")
    assert no_file.returncode == 2 and "trayapp import aesr FILE" in no_file.stderr
    role = run_cli("--config", str(path), "import", "aesr", "x.ini", "--role-name", "admin")
    assert role.returncode == 2 and "--role-name is only for" in role.stderr
    assert not path.exists()
