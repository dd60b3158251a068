"""`trayapp export aws-config --write`, then the real AWS CLI (v1) uses the profiles, against moto."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from sessions_kit import SIDE_PROJECT, run_trayapp, use_config
from support.awscli import run_aws
from support.servers import PRIMARY_SECRET_ACCESS_KEY, AwsEnv, MotoServer

pytestmark = [pytest.mark.aws, pytest.mark.cli]

ASSUMED = "arn:aws:sts::444455556666:assumed-role/admin/moto"


def caller_arn(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return str(json.loads(result.stdout)["Arn"])


def export(aws_env: AwsEnv) -> str:
    result = run_trayapp("export", "aws-config", "--write")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Wrote 1 profile to {aws_env.config_file}: side-project.\n"
    return aws_env.config_file.read_text()


def test_aws_cli_uses_an_exported_profile(
    aws_cli: Path, aws_env: AwsEnv, moto: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_config(monkeypatch, tmp_path, SIDE_PROJECT)
    aws_env.write_config("default", region="us-east-1")
    before = aws_env.config_file.read_bytes()
    text = export(aws_env)
    assert text.encode().startswith(before)
    # No TRAYAPP_CONFIG for the AWS CLI: the exported command names the config file itself.
    env: dict[str, str | None] = {"TRAYAPP_CONFIG": None}
    identity = run_aws(["sts", "get-caller-identity", "--profile", "side-project", "--output", "json"], env)
    assert caller_arn(identity) == ASSUMED
    assert PRIMARY_SECRET_ACCESS_KEY not in identity.stdout + identity.stderr
    region = run_aws(["configure", "get", "region", "--profile", "side-project"], env)
    assert region.stdout.strip() == "eu-central-1"
    # Exporting again leaves the file as it is, and the profile does not come back as an account.
    assert export(aws_env) == text
    listed = run_trayapp("list", "--json")
    assert [row["name"] for row in json.loads(listed.stdout)] == ["side-project"]


def test_aws_profile_naming_an_exported_profile_does_not_loop(
    aws_cli: Path, aws_env: AwsEnv, moto: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """AWS_PROFILE=side-project reaches trayapp too; without [primary] profile it would ask itself for keys."""
    config = use_config(monkeypatch, tmp_path, SIDE_PROJECT)
    export(aws_env)
    looping = run_aws(["sts", "get-caller-identity"], {"AWS_PROFILE": "side-project"}, timeout=60)
    assert looping.returncode != 0
    assert "runs trayapp itself" in looping.stderr
    # The way out the export names: [primary] profile points at the IAM user's keys.
    config.write_text(config.read_text().replace("[primary]\n", '[primary]\nprofile = "default"\n'))
    fixed = run_aws(["sts", "get-caller-identity", "--output", "json"], {"AWS_PROFILE": "side-project"})
    assert caller_arn(fixed) == ASSUMED


def test_a_role_profile_sourced_from_an_exported_profile_is_a_chain_not_a_loop(
    aws_env: AwsEnv, moto: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """[profile audit] source_profile = side-project: trayapp asks trayapp for side-project once, then goes on."""
    use_config(monkeypatch, tmp_path, SIDE_PROJECT)
    export(aws_env)
    with aws_env.config_file.open("a") as config:
        config.write(
            "\n[profile audit]\nrole_arn = arn:aws:iam::777788889999:role/audit\nsource_profile = side-project\n"
        )
    result = run_trayapp("creds", "audit", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["AccessKeyId"].startswith("ASIA")
