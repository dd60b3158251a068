"""`trayapp export aws-config`: one [profile NAME] per account, kept in a marked block of the AWS config."""

from __future__ import annotations

import json
import shlex
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from support.layers import POSIX_ONLY

from trayapp.core import exporting
from trayapp.core.awsconfig import load_profiles
from trayapp.core.errors import UsageError
from trayapp.core.exporting import (
    BEGIN,
    END,
    command_line,
    export_plan,
    find_block,
    profiles_block,
    trayapp_command,
    write_block,
)
from trayapp.core.model import Account

RunCli = Callable[..., subprocess.CompletedProcess[str]]  # the run_cli fixture of tests/unit/conftest.py

COMMAND = ["/opt/My Tools/bin/python3", "-m", "trayapp"]
SIDE = Account(
    name="side-project",
    display_name="Side project",
    account_id="444455556666",
    role_name="ops/admin",
    region="eu-central-1",
)
PROD = Account(name="prod", display_name="Production", account_id="777788889999", role_name="admin")
FROM_AWS = Account(
    name="work-admin",
    display_name="work-admin",
    account_id="012345678901",
    role_name="admin",
    source="aws-config",
)

EXPECTED = """\
# >>> trayapp managed profiles (trayapp export aws-config --write) >>>
# 'trayapp export aws-config --write' rewrites this block: edit trayapp's config instead.
[profile side-project]
credential_process = '/opt/My Tools/bin/python3' -m trayapp creds side-project --format credential-process
region = eu-central-1

[profile prod]
credential_process = '/opt/My Tools/bin/python3' -m trayapp creds prod --format credential-process
# <<< trayapp managed profiles <<<
"""

USER_CONFIG = b"""\
# my AWS config; hand-written, keep this comment
[default]
region = us-east-1
output = json

[profile base]   ; inline remark
region = eu-west-1
;  a semicolon comment

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
"""

TRAYAPP_CONFIG = """\
[primary]
region = "eu-west-1"

[[account]]
name = "side-project"
display_name = "Side project"
account_id = "444455556666"
role_name = "ops/admin"
region = "eu-central-1"

[[account]]
name = "prod"
account_id = "777788889999"
role_name = "admin"
"""


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- the block ----------------------------------------------------------------------------------


def test_block_text_for_two_accounts() -> None:
    assert profiles_block([SIDE, PROD], COMMAND) == EXPECTED


def test_the_aws_cli_splits_credential_process_back_into_the_command() -> None:
    from botocore.compat import compat_shell_split

    tricky = ["C:\\Program Files\\trayapp\\python.exe", "-m", "trayapp", "creds", "a b", 'say "hi"']
    for platform in ("linux", "darwin", "win32"):
        assert compat_shell_split(command_line(tricky, platform), platform) == tricky
    assert shlex.split(command_line(COMMAND, "linux")) == COMMAND


def test_accounts_that_cannot_or_need_not_be_exported_are_left_out() -> None:
    odd = Account(name="has space", display_name="x", account_id="111122223333", role_name="r")
    default = Account(name="default", display_name="x", account_id="111122223333", role_name="r")
    chosen, skipped = export_plan([SIDE, FROM_AWS, odd, default, PROD])
    assert chosen == [SIDE, PROD]
    assert [name for name, _ in skipped] == ["work-admin", "has space", "default"]
    block = profiles_block([SIDE, FROM_AWS, odd, default, PROD], COMMAND)
    assert block == EXPECTED


def test_no_accounts_is_an_empty_block() -> None:
    assert profiles_block([], COMMAND) == f"{BEGIN}\n{exporting.NOTE}\n{END}\n"


def test_the_command_is_this_installation(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no trayapp on PATH
    assert trayapp_command() == [sys.executable, "-m", "trayapp"]
    script = Path(sys.executable).parent / "trayapp"
    if script.exists():  # the venv's console script, found on PATH: used as found
        monkeypatch.setenv("PATH", str(script.parent))
        assert trayapp_command() == [str(script)]
    # Another installation's trayapp on PATH is not ours.
    other = tmp_path / "trayapp"
    other.write_text("#!/bin/sh\n")
    other.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert trayapp_command() == [sys.executable, "-m", "trayapp"]


# -- writing the block --------------------------------------------------------------------------


def test_write_keeps_every_other_byte(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_bytes(USER_CONFIG)
    written = write_block(path, EXPECTED)
    assert written == path
    data = path.read_bytes()
    assert data == USER_CONFIG + b"\n" + EXPECTED.encode()
    profiles = load_profiles(path)
    assert profiles["base"] == {"region": "eu-west-1"}
    assert profiles["default"]["output"] == "json"
    assert profiles["side-project"]["region"] == "eu-central-1"
    assert profiles["prod"]["credential_process"].endswith("creds prod --format credential-process")


def test_a_second_write_replaces_the_block_in_place(tmp_path: Path) -> None:
    path = tmp_path / "config"
    after = b"\n# written after trayapp's block\n[profile later]\nregion = ap-south-1\n"
    path.write_bytes(USER_CONFIG)
    write_block(path, EXPECTED)
    with path.open("ab") as handle:
        handle.write(after)
    first = path.read_bytes()
    write_block(path, EXPECTED)
    assert path.read_bytes() == first  # idempotent
    write_block(path, profiles_block([PROD], COMMAND))
    data = path.read_bytes()
    assert data.startswith(USER_CONFIG) and data.endswith(after)
    assert data.count(BEGIN.encode()) == 1 and data.count(END.encode()) == 1
    assert set(load_profiles(path)) == {"default", "base", "prod", "later"}


def test_a_profile_of_the_same_name_outside_the_block_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config"
    original = USER_CONFIG + b"\n[profile prod]\nregion = us-west-2\n"
    path.write_bytes(original)
    path.chmod(0o644)
    before = path.stat()
    with pytest.raises(UsageError) as caught:
        write_block(path, EXPECTED)
    message = str(caught.value)
    assert "'prod' (line 14)" in message and "nothing was written" in message
    assert "side-project" not in message
    assert path.read_bytes() == original
    assert path.stat().st_mtime_ns == before.st_mtime_ns and mode(path) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["config"]  # no temporary file left


def test_a_clash_after_an_existing_block_is_found_too(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_bytes(USER_CONFIG)
    write_block(path, profiles_block([SIDE], COMMAND))
    with path.open("a") as handle:
        handle.write('[profile "prod"]\nregion = us-west-2\n')
    original = path.read_bytes()
    with pytest.raises(UsageError, match=r"'prod' \(line 20\)"):
        write_block(path, EXPECTED)
    assert path.read_bytes() == original


def test_a_damaged_block_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config"
    original = USER_CONFIG + f"{BEGIN}\n[profile prod]\n".encode()
    path.write_bytes(original)
    with pytest.raises(UsageError, match="damaged trayapp block"):
        write_block(path, EXPECTED)
    assert path.read_bytes() == original


def test_a_missing_file_and_folder_are_created(tmp_path: Path) -> None:
    path = tmp_path / "home" / ".aws" / "config"
    assert write_block(path, EXPECTED) == path
    assert path.read_text() == EXPECTED


@POSIX_ONLY
def test_a_missing_file_and_folder_are_created_private(tmp_path: Path) -> None:
    path = tmp_path / "home" / ".aws" / "config"
    write_block(path, EXPECTED)
    assert (mode(path), mode(path.parent)) == (0o600, 0o700)


@POSIX_ONLY
def test_an_existing_file_becomes_0600(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_bytes(USER_CONFIG)
    path.chmod(0o644)
    write_block(path, EXPECTED)
    assert mode(path) == 0o600


def test_a_symlinked_config_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "aws-config"
    real.parent.mkdir()
    real.write_bytes(USER_CONFIG)
    link = tmp_path / "config"
    link.symlink_to(real)
    assert write_block(link, EXPECTED) == real
    assert link.is_symlink()
    assert real.read_bytes() == USER_CONFIG + b"\n" + EXPECTED.encode()


def test_crlf_files_get_crlf_lines_and_odd_bytes_survive(tmp_path: Path) -> None:
    path = tmp_path / "config"
    original = b"[profile base]\r\nregion = eu-west-1\r\n# caf\xe9 (latin-1)\r\n"
    path.write_bytes(original)
    write_block(path, EXPECTED)
    data = path.read_bytes()
    assert data == original + b"\r\n" + EXPECTED.replace("\n", "\r\n").encode()
    span = find_block(data.decode("utf-8", "surrogateescape"), path)
    assert span is not None


def test_no_trailing_newline_gets_one_and_a_blank_line(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_bytes(b"[profile base]\nregion = eu-west-1")
    write_block(path, EXPECTED)
    assert path.read_bytes() == b"[profile base]\nregion = eu-west-1\n\n" + EXPECTED.encode()


# -- the command line ---------------------------------------------------------------------------


@pytest.fixture
def configs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A trayapp config with two accounts; an AWS config with user profiles and a role profile."""
    trayapp_config = tmp_path / "trayapp.toml"
    trayapp_config.write_text(TRAYAPP_CONFIG)
    aws_config = tmp_path / "aws" / "config"
    aws_config.parent.mkdir()
    aws_config.write_bytes(
        USER_CONFIG
        + b"\n[profile work-admin]\nrole_arn = arn:aws:iam::012345678901:role/admin\nsource_profile = base\n"
    )
    monkeypatch.setenv("TRAYAPP_CONFIG", str(trayapp_config))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_config))
    return trayapp_config, aws_config


def test_export_prints_the_block(run_cli: RunCli, configs: tuple[Path, Path]) -> None:
    trayapp_config, aws_config = configs
    before = aws_config.read_bytes()
    result = run_cli("export", "aws-config")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(BEGIN + "\n") and result.stdout.endswith(END + "\n")
    assert "[profile side-project]" in result.stdout and "[profile prod]" in result.stdout
    assert "work-admin" not in result.stdout  # a role profile of the AWS config already
    assert "Left out 1 role profile(s) of the AWS config" in result.stderr
    # The config file is not the default one, so the command names it.
    assert f"--config {trayapp_config} creds prod --format credential-process" in result.stdout
    assert aws_config.read_bytes() == before


def test_export_write_then_list_shows_no_duplicates(run_cli: RunCli, configs: tuple[Path, Path]) -> None:
    _, aws_config = configs
    before = aws_config.read_bytes()
    result = run_cli("export", "aws-config", "--write")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Wrote 2 profiles to {aws_config}: side-project, prod.\n"
    assert "aws --profile side-project" in result.stderr
    assert aws_config.read_bytes().startswith(before)
    listed = run_cli("list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["name"], r["source"]) for r in rows] == [
        ("side-project", "config"),
        ("prod", "config"),
        ("work-admin", "aws-config"),
    ]
    check = run_cli("config", "check")
    assert check.returncode == 0 and "warning" not in check.stderr
    # Writing again changes nothing.
    written = aws_config.read_bytes()
    assert run_cli("export", "aws-config", "--write").returncode == 0
    assert aws_config.read_bytes() == written


def test_export_write_refuses_a_clash_with_one_sentence(run_cli: RunCli, configs: tuple[Path, Path]) -> None:
    _, aws_config = configs
    with aws_config.open("ab") as handle:
        handle.write(b"\n[profile side-project]\nregion = us-west-2\n")
    original = aws_config.read_bytes()
    result = run_cli("export", "aws-config", "--write")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"trayapp: {aws_config} already defines profile 'side-project'")
    assert len(result.stderr.strip().splitlines()) == 1  # the error alone, no notes
    assert aws_config.read_bytes() == original


def test_export_write_with_nothing_to_export_writes_nothing(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trayapp_config = tmp_path / "trayapp.toml"
    trayapp_config.write_text('[primary]\nregion = "eu-west-1"\n')
    aws_config = tmp_path / "aws" / "config"
    monkeypatch.setenv("TRAYAPP_CONFIG", str(trayapp_config))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_config))
    result = run_cli("export", "aws-config", "--write")
    assert result.returncode == 0, result.stderr
    assert "No accounts to export" in result.stdout
    assert not aws_config.exists()


def test_export_write_removes_profiles_of_removed_accounts(
    run_cli: RunCli, configs: tuple[Path, Path]
) -> None:
    trayapp_config, aws_config = configs
    assert run_cli("export", "aws-config", "--write").returncode == 0
    trayapp_config.write_text('[primary]\nregion = "eu-west-1"\n')
    result = run_cli("export", "aws-config", "--write")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Wrote 0 profiles to {aws_config}.\n"
    assert set(load_profiles(aws_config)) == {"default", "base", "work-admin"}


def test_export_needs_a_target(run_cli: RunCli) -> None:
    result = run_cli("export")
    assert result.returncode == 2 and "aws-config" in result.stderr
