"""The AWS CLI (v1, its own venv) as a real consumer of trayapp's credentials, against moto."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sessions_kit import SIDE_PROJECT, parse_sh, run_trayapp, use_config
from support.awscli import _clean_env, awscli_venv, run_aws
from support.servers import PRIMARY_SECRET_ACCESS_KEY, AwsEnv, MotoServer, closed_url

pytestmark = [pytest.mark.aws, pytest.mark.cli]

ASSUMED = "arn:aws:sts::444455556666:assumed-role/admin/moto"
TRAYAPP_BIN = Path(sys.executable).parent / "trayapp"


@pytest.fixture
def side_project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return use_config(monkeypatch, tmp_path, SIDE_PROJECT)


def caller_arn(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return str(json.loads(result.stdout)["Arn"])


def test_aws_cli_with_the_sh_export_lines(
    aws_cli: Path, aws_env: AwsEnv, moto: MotoServer, side_project: Path, tmp_path: Path
) -> None:
    result = run_trayapp("creds", "side-project")
    assert result.returncode == 0, result.stderr
    values = parse_sh(result.stdout)
    # No other credentials to fall back on: only the exported variables can make this work.
    nowhere = str(tmp_path / "no-credentials")
    env: dict[str, str | None] = {
        **values,
        "AWS_SHARED_CREDENTIALS_FILE": nowhere,
        "AWS_CONFIG_FILE": nowhere,
    }
    assert caller_arn(run_aws(["sts", "get-caller-identity", "--output", "json"], env)) == ASSUMED


def test_aws_cli_after_eval_in_bash(
    aws_cli: Path, aws_env: AwsEnv, moto: MotoServer, side_project: Path
) -> None:
    env = _clean_env(None, awscli_venv())
    env["TRAYAPP"] = str(TRAYAPP_BIN)
    script = 'eval "$("$TRAYAPP" creds side-project)" && unset AWS_SHARED_CREDENTIALS_FILE && aws sts get-caller-identity --output json'
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert caller_arn(done) == ASSUMED
    assert PRIMARY_SECRET_ACCESS_KEY not in done.stdout + done.stderr


def test_aws_cli_with_a_credential_process_profile(
    aws_cli: Path, aws_env: AwsEnv, moto: MotoServer, side_project: Path
) -> None:
    aws_env.write_config(
        "side",
        credential_process=f"{TRAYAPP_BIN} creds side-project --format credential-process",
        region="eu-central-1",
    )
    assert (
        caller_arn(run_aws(["sts", "get-caller-identity", "--profile", "side", "--output", "json"]))
        == ASSUMED
    )
    # The AWS CLI got the session trayapp cached (same key id as a direct, cached call).
    direct = run_trayapp("creds", "side-project", "--format", "credential-process")
    data = json.loads(direct.stdout)
    assert data["Version"] == 1 and data["AccessKeyId"].startswith("ASIA")
    identity = run_aws(["sts", "get-caller-identity", "--profile", "side", "--output", "json", "--debug"])
    assert caller_arn(identity) == ASSUMED
    assert f"Credential={data['AccessKeyId']}/" in identity.stderr


def test_credential_process_errors_go_to_stderr(
    aws_cli: Path, aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_config(monkeypatch, tmp_path, SIDE_PROJECT.replace("[primary]", '[primary]\nlabel = "george"'))
    aws_env.use_sts(closed_url())
    aws_env.write_config(
        "side", credential_process=f"{TRAYAPP_BIN} creds side-project --format credential-process"
    )
    direct = run_trayapp("creds", "side-project", "--format", "credential-process")
    assert direct.returncode == 1 and direct.stdout == ""
    assert direct.stderr.startswith("trayapp: could not connect to AWS STS")
    result = run_aws(["sts", "get-caller-identity", "--profile", "side"])
    assert result.returncode != 0
    assert "could not connect to AWS STS" in result.stderr
    assert PRIMARY_SECRET_ACCESS_KEY not in result.stdout + result.stderr


def test_credential_process_that_would_run_itself_stops_with_one_sentence(
    aws_cli: Path, aws_env: AwsEnv, moto: MotoServer, side_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS_PROFILE names trayapp's own credential_process profile: the primary lookup must not recurse."""
    aws_env.write_config(
        "side", credential_process=f"{TRAYAPP_BIN} creds side-project --format credential-process"
    )
    monkeypatch.setenv("AWS_PROFILE", "side")
    direct = run_trayapp("creds", "side-project", "--format", "credential-process", timeout=30)
    assert direct.returncode == 2, direct.stderr
    assert direct.stdout == ""
    assert "runs trayapp itself" in direct.stderr and len(direct.stderr.splitlines()) == 1
    result = run_aws(["sts", "get-caller-identity"], timeout=60)
    assert result.returncode != 0 and "runs trayapp itself" in result.stderr
    assert "TRAYAPP_PRIMARY_LOOKUP" not in os.environ
