"""Adding an account from a switch-role link: comments kept, duplicates refused, written atomically."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from support.cli import RunCli

from trayapp.core.config import load_config
from trayapp.core.errors import UsageError
from trayapp.core.importing import add_link

LINK = "https://signin.aws.amazon.com/switchrole?account=123456789012&roleName=ops%2Fdev&displayName=Dev%20box&color=83d4e8"
EXISTING = """\
# my accounts, hand-written
[primary]
region = "eu-west-1"  # Ireland

[[account]]
name = "dev-box"          # taken: the new one must get another name
account_id = "999988887777"
role_name = "admin"
"""


def test_link_is_added_keeping_comments_and_layout(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(EXISTING)
    assert add_link(path, LINK) == "dev-box-2"
    text = path.read_text()
    assert text.startswith(EXISTING)  # nothing the user wrote moved
    assert 'name = "dev-box-2"' in text and f'link = "{LINK}"' in text
    added = load_config(path).accounts[-1]
    assert (added.account_id, added.role_name, added.display_name, added.color) == (
        "123456789012",
        "ops/dev",
        "Dev box",
        "83d4e8",
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]  # no temp file left behind


def test_same_account_and_role_is_not_added_twice(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    add_link(path, LINK)
    before = path.read_text()
    with pytest.raises(UsageError, match="already there as 'dev-box'"):
        add_link(path, LINK)
    assert path.read_text() == before


def test_missing_config_is_created_and_dry_run_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    assert add_link(path, LINK, dry_run=True) == "dev-box"
    assert not path.exists()
    add_link(path, LINK)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [a.name for a in load_config(path).accounts] == ["dev-box"]


@pytest.mark.parametrize(
    "link",
    [
        "https://example.com/switchrole?account=123456789012&roleName=dev",
        "https://signin.aws.amazon.com/switchrole?account=12345&roleName=dev",
        "not a link at all",
    ],
)
def test_bad_links_are_refused_and_nothing_is_written(tmp_path: Path, link: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(EXISTING)
    with pytest.raises(UsageError, match="not a switch-role link"):
        add_link(path, link)
    assert path.read_text() == EXISTING


def test_cli_import_link(tmp_path: Path, run_cli: RunCli) -> None:
    path = tmp_path / "config.toml"
    result = run_cli("--config", str(path), "import", "link", LINK)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Added account 'dev-box' to {path}."
    again = run_cli("--config", str(path), "import", "link", LINK)
    assert again.returncode == 2 and "already there as 'dev-box'" in again.stderr
    listed = run_cli("--config", str(path), "list", "--json")
    assert '"role_name": "ops/dev"' in listed.stdout
