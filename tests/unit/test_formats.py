"""Credential output formats: exact text for a fixed session, and real shells reading it back."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from trayapp.core.formats import render, sh_quote, variables
from trayapp.core.model import CREDENTIAL_FORMATS, RoleCredentials

CREDS = RoleCredentials(
    access_key_id="ASIAEXAMPLE000000001",
    secret_access_key="wJalr/K7MDENG+bPxRfiCY",
    session_token="FwoGZXIvYXdzE/abc+def==",
    expiration="2026-01-02T03:04:05Z",
)
LABEL = """George's "side" $HOME"""
COMMENT_TAIL = f"{LABEL}: temporary credentials valid until 2026-01-02T03:04:05Z\n"

EXPECTED = {
    "sh": (
        f"# {COMMENT_TAIL}"
        " export AWS_ACCESS_KEY_ID='ASIAEXAMPLE000000001'\n"
        " export AWS_SECRET_ACCESS_KEY='wJalr/K7MDENG+bPxRfiCY'\n"
        " export AWS_SESSION_TOKEN='FwoGZXIvYXdzE/abc+def=='\n"
        " export AWS_CREDENTIAL_EXPIRATION='2026-01-02T03:04:05Z'\n"
        " export AWS_REGION='eu-west-1'\n"
        " export AWS_DEFAULT_REGION='eu-west-1'\n"
    ),
    "fish": (
        f"# {COMMENT_TAIL}"
        " set -gx AWS_ACCESS_KEY_ID 'ASIAEXAMPLE000000001';\n"
        " set -gx AWS_SECRET_ACCESS_KEY 'wJalr/K7MDENG+bPxRfiCY';\n"
        " set -gx AWS_SESSION_TOKEN 'FwoGZXIvYXdzE/abc+def==';\n"
        " set -gx AWS_CREDENTIAL_EXPIRATION '2026-01-02T03:04:05Z';\n"
        " set -gx AWS_REGION 'eu-west-1';\n"
        " set -gx AWS_DEFAULT_REGION 'eu-west-1';\n"
    ),
    "powershell": (
        f"# {COMMENT_TAIL}"
        "$Env:AWS_ACCESS_KEY_ID = 'ASIAEXAMPLE000000001'\n"
        "$Env:AWS_SECRET_ACCESS_KEY = 'wJalr/K7MDENG+bPxRfiCY'\n"
        "$Env:AWS_SESSION_TOKEN = 'FwoGZXIvYXdzE/abc+def=='\n"
        "$Env:AWS_CREDENTIAL_EXPIRATION = '2026-01-02T03:04:05Z'\n"
        "$Env:AWS_REGION = 'eu-west-1'\n"
        "$Env:AWS_DEFAULT_REGION = 'eu-west-1'\n"
    ),
    "cmd": (
        f"REM {COMMENT_TAIL.replace(chr(34), '_')}"
        'set "AWS_ACCESS_KEY_ID=ASIAEXAMPLE000000001"\n'
        'set "AWS_SECRET_ACCESS_KEY=wJalr/K7MDENG+bPxRfiCY"\n'
        'set "AWS_SESSION_TOKEN=FwoGZXIvYXdzE/abc+def=="\n'
        'set "AWS_CREDENTIAL_EXPIRATION=2026-01-02T03:04:05Z"\n'
        'set "AWS_REGION=eu-west-1"\n'
        'set "AWS_DEFAULT_REGION=eu-west-1"\n'
    ),
    "dotenv": (
        f"# {COMMENT_TAIL}"
        'AWS_ACCESS_KEY_ID="ASIAEXAMPLE000000001"\n'
        'AWS_SECRET_ACCESS_KEY="wJalr/K7MDENG+bPxRfiCY"\n'
        'AWS_SESSION_TOKEN="FwoGZXIvYXdzE/abc+def=="\n'
        'AWS_CREDENTIAL_EXPIRATION="2026-01-02T03:04:05Z"\n'
        'AWS_REGION="eu-west-1"\n'
        'AWS_DEFAULT_REGION="eu-west-1"\n'
    ),
    "json": (
        "{\n"
        '  "AccessKeyId": "ASIAEXAMPLE000000001",\n'
        '  "SecretAccessKey": "wJalr/K7MDENG+bPxRfiCY",\n'
        '  "SessionToken": "FwoGZXIvYXdzE/abc+def==",\n'
        '  "Expiration": "2026-01-02T03:04:05Z",\n'
        '  "Region": "eu-west-1"\n'
        "}\n"
    ),
    "credential-process": (
        '{"Version": 1, "AccessKeyId": "ASIAEXAMPLE000000001", "SecretAccessKey": "wJalr/K7MDENG+bPxRfiCY", '
        '"SessionToken": "FwoGZXIvYXdzE/abc+def==", "Expiration": "2026-01-02T03:04:05Z"}\n'
    ),
}

# A value no AWS key holds, with everything a shell could trip on.
NASTY = RoleCredentials(
    access_key_id="ASIAEXAMPLE000000002",
    secret_access_key='it\'s "$HOME" `id` \\n $(echo x) ; & | * ~ !x %PATH%',
    session_token="tok'en'' with\\backslash and\ttab",
    expiration="2026-01-02T03:04:05Z",
)
VARIABLE_NAMES = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
]


def test_every_format_is_covered() -> None:
    assert set(EXPECTED) == set(CREDENTIAL_FORMATS)


@pytest.mark.parametrize("fmt", CREDENTIAL_FORMATS)
def test_exact_output(fmt: str) -> None:
    assert render(CREDS, fmt, LABEL, "eu-west-1") == EXPECTED[fmt]


@pytest.mark.parametrize("fmt", ["sh", "fish", "powershell", "cmd", "dotenv", "json"])
def test_without_a_region_no_region_variables(fmt: str) -> None:
    text = render(CREDS, fmt, "x", None)
    assert "AWS_REGION" not in text and "AWS_DEFAULT_REGION" not in text and "Region" not in text
    assert "ASIAEXAMPLE000000001" in text


@pytest.mark.parametrize("fmt", ["sh", "fish"])
def test_shell_lines_start_with_a_space_so_history_skips_them(fmt: str) -> None:
    lines = render(CREDS, fmt, LABEL, "eu-west-1").splitlines()
    assert lines[0].startswith("# ")
    assert all(line.startswith(" ") for line in lines[1:]) and len(lines) == 7


def test_credential_process_is_what_the_aws_cli_reads() -> None:
    data = json.loads(render(CREDS, "credential-process", LABEL, "eu-west-1"))
    assert data == {
        "Version": 1,
        "AccessKeyId": CREDS.access_key_id,
        "SecretAccessKey": CREDS.secret_access_key,
        "SessionToken": CREDS.session_token,
        "Expiration": CREDS.expiration,
    }


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown format 'yaml'"):
        render(CREDS, "yaml", LABEL, None)


def test_repr_hides_secrets() -> None:
    assert CREDS.secret_access_key not in repr(CREDS) and CREDS.session_token not in repr(CREDS)


def test_sh_quote() -> None:
    assert sh_quote("a'b") == "'a'\\''b'"
    assert sh_quote("") == "''"


def _env_after(shell: list[str], script: str) -> dict[str, str]:
    """Run ``script`` in a real shell with an empty-ish environment; return the environment it ends with."""
    done = subprocess.run(
        [*shell],
        input=script,
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent"},
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr
    pairs = [item.split("=", 1) for item in done.stdout.split("\0") if "=" in item]
    return {k: v for k, v in pairs}


@pytest.mark.parametrize("creds", [CREDS, NASTY], ids=["aws-values", "nasty-values"])
def test_sh_output_round_trips_through_bash(creds: RoleCredentials) -> None:
    text = render(creds, "sh", LABEL, "eu-west-1")
    env = _env_after(
        ["bash", "--noprofile", "--norc"], f"eval \"$(cat <<'TRAYAPP_EOF'\n{text}TRAYAPP_EOF\n)\"\nenv -0\n"
    )
    assert {k: env.get(k) for k in VARIABLE_NAMES} == dict(variables(creds, "eu-west-1"))


@pytest.mark.parametrize("creds", [CREDS, NASTY], ids=["aws-values", "nasty-values"])
def test_sh_output_sourced_by_dash(creds: RoleCredentials, tmp_path: Path) -> None:
    if not shutil.which("dash"):
        pytest.skip("dash is not installed")
    script = tmp_path / "creds.sh"
    script.write_text(render(creds, "sh", LABEL, None))
    env = _env_after(["dash"], f". {script}\nenv -0\n")
    assert {k: env.get(k) for k in VARIABLE_NAMES[:4]} == dict(variables(creds, None))


def test_sh_lines_stay_out_of_bash_history_with_ignorespace(tmp_path: Path) -> None:
    history = tmp_path / "history"
    text = render(CREDS, "sh", LABEL, "eu-west-1")
    script = f"HISTFILE={history}\nHISTCONTROL=ignorespace\nset -o history\n{text}echo visible\nhistory -w\n"
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-i"],
        input=script,
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "TERM": "dumb"},
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    saved = history.read_text()
    assert "echo visible" in saved  # history did work
    assert "AWS_" not in saved and CREDS.secret_access_key not in saved


@pytest.mark.parametrize("creds", [CREDS, NASTY], ids=["aws-values", "nasty-values"])
def test_fish_output_round_trips_through_fish(creds: RoleCredentials) -> None:
    if not shutil.which("fish"):
        pytest.skip("fish is not installed")
    text = render(creds, "fish", LABEL, "eu-west-1")
    env = _env_after(["fish", "--no-config"], text + "env -0\n")
    assert {k: env.get(k) for k in VARIABLE_NAMES} == dict(variables(creds, "eu-west-1"))


@pytest.mark.parametrize("creds", [CREDS, NASTY], ids=["aws-values", "nasty-values"])
def test_powershell_output_round_trips_through_pwsh(creds: RoleCredentials) -> None:
    if not shutil.which("pwsh"):
        pytest.skip("pwsh is not installed")
    text = render(creds, "powershell", LABEL, "eu-west-1")
    script = (
        text
        + "Get-ChildItem Env: | ForEach-Object { [Console]::Out.Write($_.Name + '=' + $_.Value + [char]0) }\n"
    )
    env = _env_after(["pwsh", "-NoProfile", "-NonInteractive", "-Command", "-"], script)
    assert {k: env.get(k) for k in VARIABLE_NAMES} == dict(variables(creds, "eu-west-1"))


def test_dotenv_output_read_by_python_dotenv() -> None:
    dotenv = pytest.importorskip("dotenv")
    quoted = RoleCredentials(CREDS.access_key_id, 'a"b\\c/+=', CREDS.session_token, CREDS.expiration)
    values = dotenv.dotenv_values(stream=io.StringIO(render(quoted, "dotenv", LABEL, "eu-west-1")))
    assert dict(values) == dict(variables(quoted, "eu-west-1"))


def test_json_output_parses_with_region() -> None:
    data = json.loads(render(NASTY, "json", LABEL, "eu-west-1"))
    assert data["SecretAccessKey"] == NASTY.secret_access_key and data["Region"] == "eu-west-1"
