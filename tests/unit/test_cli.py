"""The command line, run as a real subprocess (``python -m trayapp``) with an isolated HOME."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from test_config import INVALID, marked_line

import trayapp

WriteFile = Callable[..., Path]
RunCli = Callable[..., subprocess.CompletedProcess[str]]

CONFIG = """
[primary]
region = "eu-west-1"

[[account]]
name = "side-project"
display_name = "Side project"
account_id = "044455556666"
role_name = "ops/admin"
color = "#2E7D32"
region = "eu-central-1"
group = "Personal"

[[account]]
display_name = "Billing"
role_arn = "arn:aws:iam::777788889999:role/billing/reader"
"""

AWS_CONFIG = """\
[profile from-aws]
role_arn = arn:aws:iam::121212121212:role/r
credential_source = Environment
"""

SIDE_URL = (
    "https://signin.aws.amazon.com/switchrole?account=044455556666&roleName=ops%2Fadmin"
    "&displayName=Side%20project&color=b7ca9d"
    "&redirect_uri=https%3A%2F%2Feu-central-1.console.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Deu-central-1"
)


@pytest.fixture
def config(write_file: WriteFile) -> Path:
    return write_file("config.toml", CONFIG)


@pytest.fixture
def aws_config() -> Path:
    path = Path(os.environ["AWS_CONFIG_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(AWS_CONFIG, encoding="utf-8")
    return path


def executable(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)
    return path


def assert_clean_error(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("trayapp: ") or result.stderr.startswith("usage: ")


def test_version(run_cli: RunCli) -> None:
    result = run_cli("--version")
    assert (result.returncode, result.stdout) == (0, f"trayapp {trayapp.__version__}\n")
    assert trayapp.__version__.count(".") == 2


def test_list_text(run_cli: RunCli, config: Path, aws_config: Path) -> None:
    result = run_cli("list", "--config", str(config))
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split()[0] == "NAME"
    assert [row.split()[0] for row in rows] == ["side-project", "billing", "from-aws"]
    for row, (account_id, region) in zip(
        rows,
        [("044455556666", "eu-central-1"), ("777788889999", "eu-west-1"), ("121212121212", "eu-west-1")],
        strict=True,
    ):
        assert account_id in row.split()
        assert region in row.split()


def test_list_json(run_cli: RunCli, config: Path, aws_config: Path) -> None:
    result = run_cli("--config", str(config), "list", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {
            "name": "side-project",
            "display_name": "Side project",
            "account_id": "044455556666",
            "role_name": "ops/admin",
            "color": "#2e7d32",
            "region": "eu-central-1",
            "group": "Personal",
            "source": "config",
        },
        {
            "name": "billing",
            "display_name": "Billing",
            "account_id": "777788889999",
            "role_name": "billing/reader",
            "color": None,
            "region": "eu-west-1",
            "group": None,
            "source": "config",
        },
        {
            "name": "from-aws",
            "display_name": "from-aws",
            "account_id": "121212121212",
            "role_name": "r",
            "color": None,
            "region": "eu-west-1",
            "group": None,
            "source": "aws-config",
        },
    ]


def test_list_json_without_accounts_is_an_empty_list(run_cli: RunCli) -> None:
    result = run_cli("list", "--json")
    assert (result.returncode, json.loads(result.stdout)) == (0, [])


def test_list_without_accounts_says_where_they_go(run_cli: RunCli, isolated_home: Path) -> None:
    result = run_cli("list")
    assert (result.returncode, result.stdout) == (0, "")
    assert "No accounts yet" in result.stderr
    assert str(isolated_home / ".config" / "trayapp" / "config.toml") in result.stderr


@pytest.mark.parametrize(
    ("args", "url"),
    [
        (["side-project", "--switch-role"], SIDE_URL),
        (["Side Project", "--switch-role"], SIDE_URL),
        (["0444-5555-6666", "--switch-role"], SIDE_URL),
        (
            ["billing", "--switch-role"],
            "https://signin.aws.amazon.com/switchrole?account=777788889999&roleName=billing%2Freader&displayName=Billing",
        ),
        (
            ["billing", "--switch-role", "--region", "us-west-2"],
            "https://signin.aws.amazon.com/switchrole?account=777788889999&roleName=billing%2Freader&displayName=Billing"
            "&redirect_uri=https%3A%2F%2Fus-west-2.console.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Dus-west-2",
        ),
        (
            ["billing", "--switch-role", "--region", "us-west-2", "--service", "s3"],
            "https://signin.aws.amazon.com/switchrole?account=777788889999&roleName=billing%2Freader&displayName=Billing"
            "&redirect_uri=https%3A%2F%2Fus-west-2.console.aws.amazon.com%2Fs3%2Fhome%3Fregion%3Dus-west-2",
        ),
        (
            ["side-project", "--switch-role", "--service", "/billing/home"],
            "https://signin.aws.amazon.com/switchrole?account=044455556666&roleName=ops%2Fadmin"
            "&displayName=Side%20project&color=b7ca9d"
            "&redirect_uri=https%3A%2F%2Feu-central-1.console.aws.amazon.com%2Fbilling%2Fhome%3Fregion%3Deu-central-1",
        ),
    ],
)
def test_url_switch_role(run_cli: RunCli, config: Path, args: list[str], url: str) -> None:
    result = run_cli("url", *args, "--config", str(config))
    assert (result.returncode, result.stdout, result.stderr) == (0, url + "\n", "")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--region", "eu-west"], "argument --region: 'eu-west' is not an AWS region"),
        (["--region", "evil.com/x-1"], "argument --region"),
        (["--service", "https://evil.example.com/"], "argument --service: must be a console service"),
    ],
)
def test_url_rejects_bad_options(run_cli: RunCli, config: Path, args: list[str], error: str) -> None:
    result = run_cli("url", "billing", "--switch-role", *args, "--config", str(config))
    assert (result.returncode, result.stdout) == (2, "")
    assert error in result.stderr
    assert_clean_error(result)


def test_url_unknown_name(run_cli: RunCli, config: Path) -> None:
    result = run_cli("url", "side-proj", "--switch-role", "--config", str(config))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "trayapp: no account named 'side-proj'; did you mean side-project?\n"


def test_url_switch_role_impossible_says_why(run_cli: RunCli, write_file: WriteFile) -> None:
    path = write_file(
        "ext.toml",
        '[[account]]\nname = "ext"\naccount_id = "111111111111"\nrole_name = "r"\nexternal_id = "abc-123"\n',
    )
    result = run_cli("url", "ext", "--switch-role", "--config", str(path))
    assert (result.returncode, result.stdout) == (2, "")
    assert "external id" in result.stderr
    assert_clean_error(result)


# --- open ------------------------------------------------------------------------------------------------


def test_open_switch_role_uses_browser_variable(run_cli: RunCli, config: Path, tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    browser = executable(tmp_path / "fake-browser", f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{opened}"\n')
    result = run_cli(
        "open", "side-project", "--switch-role", "--config", str(config), env={"BROWSER": str(browser)}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert opened.read_text(encoding="utf-8") == SIDE_URL + "\n"
    assert "Side project" in result.stderr


def test_open_uses_the_accounts_browser_command(
    run_cli: RunCli, write_file: WriteFile, tmp_path: Path
) -> None:
    opened = tmp_path / "opened.txt"
    browser = executable(tmp_path / "fake-browser", f'#!/bin/sh\nprintf "%s|" "$@" >> "{opened}"\n')
    path = write_file(
        "config.toml",
        f"""
        [[account]]
        name = "a"
        account_id = "111111111111"
        role_name = "r"
        browser = "{browser} --profile 'Work one' {{url}}"
        """,
    )
    result = run_cli("open", "a", "--switch-role", "--config", str(path), env={"BROWSER": "/bin/false"})
    assert result.returncode == 0, result.stderr
    url = "https://signin.aws.amazon.com/switchrole?account=111111111111&roleName=r&displayName=a"
    # The command is started in the background: wait briefly for it to write.
    deadline = time.monotonic() + 5
    while (
        not (opened.exists() and opened.read_text(encoding="utf-8").endswith("|"))
        and time.monotonic() < deadline
    ):
        time.sleep(0.01)
    assert opened.read_text(encoding="utf-8") == f"--profile|Work one|{url}|"


# --- config path / check / edit --------------------------------------------------------------------------


def test_config_path_default(run_cli: RunCli, isolated_home: Path) -> None:
    result = run_cli("config", "path")
    assert (result.returncode, result.stdout) == (0, f"{isolated_home}/.config/trayapp/config.toml\n")


def test_config_path_environment(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("config", "path", env={"TRAYAPP_CONFIG": str(tmp_path / "env.toml")})
    assert (result.returncode, result.stdout) == (0, f"{tmp_path}/env.toml\n")


@pytest.mark.parametrize("before", [True, False])
def test_config_path_option_beats_environment(run_cli: RunCli, tmp_path: Path, before: bool) -> None:
    option = ["--config", str(tmp_path / "cli.toml")]
    args = [*option, "config", "path"] if before else ["config", "path", *option]
    result = run_cli(*args, env={"TRAYAPP_CONFIG": str(tmp_path / "env.toml")})
    assert (result.returncode, result.stdout) == (0, f"{tmp_path}/cli.toml\n")


def test_config_check_good(run_cli: RunCli, config: Path) -> None:
    result = run_cli("config", "check", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{config}: OK")
    assert "2 accounts" in result.stdout


def test_config_check_warns_about_skipped_aws_profiles(
    run_cli: RunCli, config: Path, aws_config: Path
) -> None:
    with aws_config.open("a", encoding="utf-8") as handle:
        handle.write("\n[profile broken]\nrole_arn = nope\n")
    result = run_cli("config", "check", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "3 accounts" in result.stdout  # the broken profile is not one of them
    assert f"warning: {aws_config}:5: profile broken: role_arn 'nope' is not a role ARN" in result.stderr


def test_config_check_missing_file(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("config", "check", "--config", str(tmp_path / "absent.toml"))
    assert result.returncode == 0
    assert "no config file yet" in result.stdout


@pytest.mark.parametrize(("text", "key", "message"), INVALID.values(), ids=INVALID.keys())
def test_config_check_bad(run_cli: RunCli, write_file: WriteFile, text: str, key: str, message: str) -> None:
    path = write_file("bad.toml", text)
    line = marked_line(path.read_text(encoding="utf-8"))
    result = run_cli("config", "check", "--config", str(path))
    assert (result.returncode, result.stdout) == (2, "")
    where = f"{path}:{line}: {key}: " if key else f"{path}:{line}: "
    assert result.stderr.startswith("trayapp: 1 problem in the config:\n")
    assert f"\n  {where}" in result.stderr
    assert message in result.stderr
    assert_clean_error(result)


def test_config_check_lists_every_problem(run_cli: RunCli, write_file: WriteFile) -> None:
    path = write_file(
        "bad.toml",
        """
        [primary]
        region = "eu-west"
        console = "sso"

        [[account]]
        name = "a"
        account_id = 111122223333
        role_name = "r"
        colour = "red"
        """,
    )
    result = run_cli("config", "check", "--config", str(path))
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == "trayapp: 4 problems in the config:"
    assert [line.split(": ")[0:2] for line in result.stderr.splitlines()[1:]] == [
        [f"  {path}:2", "primary.region"],
        [f"  {path}:3", "primary.console"],
        [f"  {path}:7", "account 'a'.account_id"],
        [f"  {path}:9", "account 'a'.colour"],
    ]


@pytest.mark.parametrize(
    ("content", "line"),
    [(b'\xef\xbb\xbf[primary]\nregion = "eu-west-1"\n', 1), (b'[primary]\nlabel = "caf\xe9"\n', 2)],
    ids=["bom", "invalid utf-8"],
)
def test_config_check_bad_encoding(run_cli: RunCli, write_file: WriteFile, content: bytes, line: int) -> None:
    path = write_file("bad.toml", content)
    result = run_cli("config", "check", "--config", str(path))
    assert result.returncode == 2
    assert f"  {path}:{line}: " in result.stderr
    assert_clean_error(result)


APPEND_ACCOUNT = """#!/bin/sh
cat >> "$1" <<'EOF'

[[account]]
name = "added"
account_id = "123412341234"
role_name = "admin"
EOF
"""

APPEND_BROKEN = """#!/bin/sh
cat >> "$1" <<'EOF'

[[account]]
name = "broken"
account_id = 1234
role_name = "admin"
EOF
"""


def test_config_edit_creates_the_file_from_the_template(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trayapp.core.config import CONFIG_TEMPLATE

    monkeypatch.delenv("VISUAL", raising=False)
    editor = executable(tmp_path / "editor", APPEND_ACCOUNT)
    path = tmp_path / "new" / "config.toml"
    result = run_cli("config", "edit", "--config", str(path), env={"EDITOR": str(editor)})
    assert result.returncode == 0, result.stderr
    text = path.read_text(encoding="utf-8")
    assert text.startswith(CONFIG_TEMPLATE)
    assert text.endswith('name = "added"\naccount_id = "123412341234"\nrole_name = "admin"\n')
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    listed = run_cli("list", "--json", "--config", str(path))
    assert [row["name"] for row in json.loads(listed.stdout)] == ["added"]


def test_config_edit_prefers_visual(run_cli: RunCli, tmp_path: Path) -> None:
    visual = executable(tmp_path / "visual", APPEND_ACCOUNT)
    path = tmp_path / "config.toml"
    result = run_cli(
        "config", "edit", "--config", str(path), env={"VISUAL": str(visual), "EDITOR": "/bin/false"}
    )
    assert result.returncode == 0, result.stderr
    assert 'name = "added"' in path.read_text(encoding="utf-8")


def test_config_edit_broken_edit_exits_2(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    editor = executable(tmp_path / "editor", APPEND_BROKEN)
    path = tmp_path / "config.toml"
    result = run_cli("config", "edit", "--config", str(path), env={"EDITOR": str(editor)})
    assert result.returncode == 2
    line = path.read_text(encoding="utf-8").splitlines().index("account_id = 1234") + 1
    assert f"{path}:{line}: account 'broken'.account_id: must be a string of 12 digits in quotes" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_config_makes_other_commands_exit_2(run_cli: RunCli, write_file: WriteFile) -> None:
    path = write_file("bad.toml", '[primary]\nregion = "mars-1"\n')
    result = run_cli("list", "--config", str(path))
    assert (result.returncode, result.stdout) == (2, "")
    assert f"{path}:2: primary.region" in result.stderr
    assert_clean_error(result)
