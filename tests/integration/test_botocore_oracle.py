"""botocore is the oracle: for every profile, trayapp sends the calls botocore sends, signed by the same keys.

Each case is a ``~/.aws/config`` (most taken from botocore's own credential tests, the rest ours).
botocore resolves the profile in one process and ``trayapp creds`` in another, both against the
recording STS stub and the IAM Identity Center portal stub on loopback. Their calls must match:
the same actions in the same order, each signed by the same principal (a static key, or the
credentials an earlier call of that run issued), with the same RoleArn, ExternalId, SerialNumber,
DurationSeconds, TokenCode and web identity token. Only GetCallerIdentity (trayapp names the
session after the user) and a generated RoleSessionName differ, as the README says. Where botocore
refuses a profile, trayapp refuses it in one sentence naming it, at ``creds``, ``config check`` and
``list``, and sends nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from support.servers import (
    AwsEnv,
    ContainerCredentialsStub,
    RecordingStsStub,
    SsoPortalStub,
    signing_key,
    write_sso_token,
)

pytestmark = pytest.mark.aws

MFA = "246810"
KEY_B, SECRET_B = "AKIAORACLEPROFILEB01", "oracleSecretB000000000000000000000000000"
KEY_C, SECRET_C = "AKIAORACLEPROFILEC01", "oracleSecretC000000000000000000000000000"
KEY_ENV, SECRET_ENV = "AKIAORACLEENVIRONM01", "oracleSecretEnv0000000000000000000000000"
KEY_PROC, SECRET_PROC = "AKIAORACLEPROCESS001", "oracleSecretProc000000000000000000000000"
KEY_ECS, SECRET_ECS = "ASIAORACLECONTAINER1", "oracleSecretEcs0000000000000000000000000"
SSO_TOKEN = "oracle-sso-access-token"
START_URL = "https://oracle.awsapps.com/start"
PORTAL_ACCOUNTS = {
    "111122223333": ("Development", ["SSORole", "ReadOnly"]),
    "222233334444": ("Production", ["ReadOnly"]),
    "333344445555": ("Sandbox", ["Admin"]),
}
COMPARED = ("RoleArn", "ExternalId", "SerialNumber", "DurationSeconds", "TokenCode", "WebIdentityToken")

BOTOCORE_RUN = """
import json, sys
import botocore.session
from botocore.credentials import create_credential_resolver
session = botocore.session.Session(profile=sys.argv[1])
resolver = create_credential_resolver(session, cache={})
resolver.get_provider("assume-role")._prompter = lambda text: sys.argv[2]
frozen = resolver.load_credentials().get_frozen_credentials()
print(json.dumps({"AccessKeyId": frozen.access_key}))
"""


@dataclass(frozen=True)
class Case:
    """A profile to resolve; ``config`` may use {token_file}, {process} and {start_url}."""

    id: str
    config: str
    profile: str = "A"
    env: dict[str, str] = field(default_factory=dict)
    refused: bool = False
    session_name: bool = False  # the profile sets role_session_name: compared too


STATIC_B = f"[profile B]\naws_access_key_id = {KEY_B}\naws_secret_access_key = {SECRET_B}\n"
STATIC_C = f"[profile C]\naws_access_key_id = {KEY_C}\naws_secret_access_key = {SECRET_C}\n"
ROLE_A = "[profile A]\nrole_arn = arn:aws:iam::123456789012:role/RoleA\n"

CASES = [
    # botocore tests/functional/test_credentials.py, TestAssumeRole
    Case("source-profile", ROLE_A + "source_profile = B\n" + STATIC_B),
    Case(
        "recursive",
        ROLE_A + "source_profile = B\n[profile B]\nrole_arn = arn:aws:iam::123456789012:role/RoleB\n"
        "source_profile = C\n" + STATIC_C,
    ),
    Case(
        "recursive-stops-at-static-keys",
        ROLE_A + "source_profile = B\n" + STATIC_B + "role_arn = arn:aws:iam::123456789012:role/RoleB\n"
        "source_profile = C\n" + STATIC_C,
    ),
    Case(
        "self-referential",
        ROLE_A + f"source_profile = A\naws_access_key_id = {KEY_B}\naws_secret_access_key = {SECRET_B}\n",
    ),
    Case("process-source", ROLE_A + "source_profile = B\n[profile B]\ncredential_process = {process}\n"),
    Case(
        "web-identity-source",
        ROLE_A + "source_profile = B\n[profile B]\nrole_arn = arn:aws:iam::123456789012:role/RoleB\n"
        "web_identity_token_file = {token_file}\n",
    ),
    Case(
        "sso-source",
        ROLE_A + "source_profile = B\n[profile B]\nsso_region = us-east-1\nsso_start_url = {start_url}\n"
        "sso_role_name = SSORole\nsso_account_id = 111122223333\n",
    ),
    Case(
        "container-source",
        ROLE_A + "credential_source = EcsContainer\n",
        env={"AWS_CONTAINER_CREDENTIALS_FULL_URI": "{container}/creds"},
    ),
    Case(
        "environment-source",
        ROLE_A + "credential_source = Environment\n",
        env={"AWS_ACCESS_KEY_ID": KEY_ENV, "AWS_SECRET_ACCESS_KEY": SECRET_ENV},
    ),
    # TestAssumeRoleWithWebIdentity
    Case(
        "web-identity",
        ROLE_A + "role_session_name = sname\nweb_identity_token_file = {token_file}\n",
        session_name=True,
    ),
    # ours: every AssumeRole parameter, MFA, the credentials file, IAM Identity Center
    Case(
        "all-parameters",
        ROLE_A + "source_profile = B\nexternal_id = ext-4242\nduration_seconds = 1800\n"
        "role_session_name = george\nregion = eu-west-1\n" + STATIC_B,
        env={"AWS_DEFAULT_REGION": ""},  # unset: the profile's region decides where botocore signs
        session_name=True,
    ),
    Case("mfa", ROLE_A + "source_profile = B\nmfa_serial = arn:aws:iam::123456789012:mfa/b\n" + STATIC_B),
    Case(
        "mfa-on-the-middle-hop",
        ROLE_A + "source_profile = B\n[profile B]\nrole_arn = arn:aws:iam::123456789012:role/RoleB\n"
        "source_profile = C\nmfa_serial = arn:aws:iam::123456789012:mfa/c\n" + STATIC_C,
    ),
    Case("credentials-file-source", ROLE_A + "source_profile = creds-only\n"),
    Case(
        "sso-session",
        "[profile A]\nsso_session = corp\nsso_account_id = 222233334444\nsso_role_name = ReadOnly\n"
        "[sso-session corp]\nsso_region = us-east-1\nsso_start_url = {start_url}\n",
    ),
    Case(
        "sso-legacy",
        "[profile A]\nsso_start_url = {start_url}\nsso_region = us-east-1\n"
        "sso_account_id = 333344445555\nsso_role_name = Admin\n",
    ),
    # refused by botocore (and so by trayapp)
    Case("no-source", ROLE_A, refused=True),
    Case(
        "both-sources",
        ROLE_A + "source_profile = B\ncredential_source = Environment\n" + STATIC_B,
        refused=True,
    ),
    Case("unknown-credential-source", ROLE_A + "credential_source = Laptop\n", refused=True),
    Case("missing-source-profile", ROLE_A + "source_profile = nowhere\n", refused=True),
    Case("infinite-loop", ROLE_A + "source_profile = A\n", refused=True),
    Case(
        "loop-of-two",
        ROLE_A + "source_profile = B\n[profile B]\nrole_arn = arn:aws:iam::123456789012:role/RoleB\n"
        "source_profile = A\n",
        refused=True,
    ),
]


@pytest.fixture
def recording_sts(aws_env: AwsEnv) -> Iterator[RecordingStsStub]:
    stub = RecordingStsStub()
    stub.start()
    aws_env.use_sts(stub.url)
    try:
        yield stub
    finally:
        stub.stop()


@pytest.fixture
def container() -> Iterator[ContainerCredentialsStub]:
    stub = ContainerCredentialsStub(KEY_ECS, SECRET_ECS)
    stub.start()
    try:
        yield stub
    finally:
        stub.stop()


@pytest.fixture
def portal(monkeypatch: pytest.MonkeyPatch) -> Iterator[SsoPortalStub]:
    stub = SsoPortalStub(SSO_TOKEN, PORTAL_ACCOUNTS)
    stub.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", stub.url)
    try:
        yield stub
    finally:
        stub.stop()


def prepare(case: Case, aws_env: AwsEnv, home: Path, tmp_path: Path, container: str = "") -> dict[str, str]:
    """Write the case's AWS config, the files it names and the SSO token; return the child environment."""
    token_file = tmp_path / "web-identity.jwt"
    token_file.write_text("header.payload.signature", encoding="utf-8")
    script = tmp_path / "process.py"
    expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    script.write_text(
        "import json\nprint(json.dumps("
        + repr({"Version": 1, "AccessKeyId": KEY_PROC, "SecretAccessKey": SECRET_PROC, "Expiration": expires})
        + "))\n",
        encoding="utf-8",
    )
    text = case.config.format(
        token_file=token_file, process=f"{sys.executable} {script}", start_url=START_URL
    )
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.config_file.write_text(text, encoding="utf-8")
    aws_env.write_credentials("creds-only", KEY_C, SECRET_C)
    later = datetime.now(UTC) + timedelta(hours=2)
    write_sso_token(home, START_URL, SSO_TOKEN, START_URL, "us-east-1", later)
    write_sso_token(home, "corp", SSO_TOKEN, START_URL, "us-east-1", later)
    extra = {k: v.format(container=container) for k, v in case.env.items()}
    env = {**os.environ, **extra, "TRAYAPP_CONFIG": str(tmp_path / "absent.toml")}
    for unset in [k for k, v in extra.items() if v == ""]:
        del env[unset]
    return env


@dataclass(frozen=True)
class Rig:
    """What every comparison here stands on: the AWS files, the two recording stubs, HOME and scratch."""

    aws: AwsEnv
    sts: RecordingStsStub
    portal: SsoPortalStub
    home: Path
    scratch: Path

    def prepare(self, case: Case, container: str = "") -> dict[str, str]:
        return prepare(case, self.aws, self.home, self.scratch, container)


@pytest.fixture
def rig(
    aws_env: AwsEnv,
    recording_sts: RecordingStsStub,
    portal: SsoPortalStub,
    isolated_home: Path,
    tmp_path: Path,
) -> Rig:
    return Rig(aws_env, recording_sts, portal, isolated_home, tmp_path)


def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=60, check=False, stdin=subprocess.DEVNULL
    )


def trace(sts: RecordingStsStub, portal: SsoPortalStub, case: Case) -> list[tuple[Any, ...]]:
    """The calls of one run, in order, with signers named by where their keys came from."""
    names = {
        KEY_B: "profile B",
        KEY_C: "profile C",
        KEY_ENV: "environment",
        KEY_PROC: "credential_process",
        KEY_ECS: "container",
    }
    names.update({c.access_key_id: f"issued by STS call {i}" for i, c in enumerate(sts.issued)})
    names.update({c.access_key_id: f"issued by the portal, call {i}" for i, c in enumerate(portal.issued)})
    calls: list[tuple[Any, ...]] = []
    for request in portal.requests:
        calls.append(
            (
                "portal",
                request.path,
                request.query.get("account_id"),
                request.query.get("role_name"),
                request.token,
            )
        )
    for request in sts.requests:
        if request.action == "GetCallerIdentity":
            continue  # trayapp names the session after the user; botocore uses a timestamp
        signer = signing_key(request)
        params = {k: v for k, v in request.form.items() if k in COMPARED}
        if case.session_name:
            params["RoleSessionName"] = request.form.get("RoleSessionName", "")
        auth = request.headers.get("Authorization", "")
        scope = auth.split("Credential=", 1)[1].split("/")[2] if "Credential=" in auth else None  # the region
        calls.append((request.action, names.get(signer or "", signer), scope, tuple(sorted(params.items()))))
    return calls


@pytest.mark.parametrize("case", [c for c in CASES if not c.refused], ids=lambda c: c.id)
def test_trayapp_signs_as_botocore_does(case: Case, container: ContainerCredentialsStub, rig: Rig) -> None:
    env = rig.prepare(case, container.url)
    oracle = run([sys.executable, "-c", BOTOCORE_RUN, case.profile, MFA], env)
    assert oracle.returncode == 0, oracle.stderr
    expected = trace(rig.sts, rig.portal, case)
    assert expected, "botocore made no call: the case tests nothing"
    rig.sts.reset()
    rig.portal.reset()

    ours = run(
        [sys.executable, "-m", "trayapp", "creds", case.profile, "--format", "json", "--mfa-code", MFA], env
    )
    assert ours.returncode == 0, ours.stderr
    assert trace(rig.sts, rig.portal, case) == expected
    secrets = [SECRET_B, SECRET_C, SECRET_ENV, SECRET_PROC, SECRET_ECS, SSO_TOKEN, MFA]
    secrets += [c.secret_access_key for c in rig.sts.issued + rig.portal.issued]
    assert not [x for x in secrets if x in ours.stderr]  # whatever trayapp says, no secret in it
    # The last call's credentials are handed out (STS calls always follow a portal call here).
    last = (rig.sts.issued or rig.portal.issued)[-1]
    assert json.loads(ours.stdout)["AccessKeyId"] == last.access_key_id


@pytest.mark.parametrize("case", [c for c in CASES if c.refused], ids=lambda c: c.id)
def test_trayapp_refuses_what_botocore_refuses(case: Case, rig: Rig) -> None:
    env = rig.prepare(case)
    oracle = run([sys.executable, "-c", BOTOCORE_RUN, case.profile, MFA], env)
    assert oracle.returncode != 0 and "botocore.exceptions." in oracle.stderr
    for argv in (["creds", case.profile, "--mfa-code", MFA], ["config", "check"], ["list"]):
        result = run([sys.executable, "-m", "trayapp", *argv], env)
        said = [line for line in result.stderr.splitlines() if f"'{case.profile}'" in line]
        assert len(said) == 1, (argv, result.stderr)
        assert "AWS CLI would refuse it" in said[0]
        if argv[0] == "creds":
            assert result.returncode == 2 and result.stdout == ""
    assert rig.sts.requests == [] and rig.portal.requests == []


def test_a_named_source_without_keys_is_named(rig: Rig) -> None:
    """Not "the primary IAM user": the profile the config names as the source."""
    case = Case("keyless-source", ROLE_A + "source_profile = B\n[profile B]\nregion = eu-west-1\n")
    env = rig.prepare(case)
    result = run([sys.executable, "-m", "trayapp", "creds", "A"], env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "trayapp: AWS profile 'A' cannot be used as the AWS CLI would refuse it too: "
        'the source profile "B" must have credentials'
    ]
    assert rig.sts.requests == []


def test_nested_values_skip_the_profile_with_a_warning(rig: Rig) -> None:
    """An indented sub-key block where a value belongs: that profile is skipped, the others stay."""
    text = (
        ROLE_A
        + "source_profile = B\n"
        + STATIC_B
        + textwrap.dedent(
            """
        [profile odd]
        role_arn =
          nested = arn:aws:iam::123456789012:role/RoleA
        source_profile = B
        """
        )
    )
    env = rig.prepare(Case("nested", text))
    result = run([sys.executable, "-m", "trayapp", "list", "--json"], env)
    assert result.returncode == 0, result.stderr
    assert [a["name"] for a in json.loads(result.stdout)] == ["A"]
    assert "unexpected" not in result.stderr
    [warning] = result.stderr.splitlines()
    assert str(rig.aws.config_file) in warning and "profile odd" in warning and "nested" in warning


def test_a_refused_source_key_is_named_as_that_profile(rig: Rig) -> None:
    """STS refuses profile B's key: the sentence names B, never "the primary"."""
    env = rig.prepare(Case("bad-key", ROLE_A + "source_profile = B\n" + STATIC_B))
    rig.sts.set_fault("invalid_client_token_id", actions=["AssumeRole"])
    result = run([sys.executable, "-m", "trayapp", "creds", "A"], env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "trayapp: Could not assume role in A: AWS does not recognise the source profile 'B' access key "
        "(deactivated, deleted or mistyped)"
    ]


def test_a_middle_hop_botocore_assumed_is_kept_in_trayapps_cache(rig: Rig) -> None:
    """Two profiles on one MFA-guarded hop: the second reuses the hop (botocore's cache hook), no second code."""
    text = (
        "[profile A1]\nrole_arn = arn:aws:iam::123456789012:role/A1\nsource_profile = B\n"
        "[profile A2]\nrole_arn = arn:aws:iam::123456789012:role/A2\nsource_profile = B\n"
        "[profile B]\nrole_arn = arn:aws:iam::123456789012:role/RoleB\nsource_profile = C\n"
        "mfa_serial = arn:aws:iam::123456789012:mfa/c\n" + STATIC_C
    )
    env = rig.prepare(Case("hop", text))
    first = run([sys.executable, "-m", "trayapp", "creds", "A1", "--mfa-code", MFA], env)
    assert first.returncode == 0, first.stderr
    second = run([sys.executable, "-m", "trayapp", "creds", "A2"], env)  # no code to give, no terminal
    assert second.returncode == 0, second.stderr
    roles = [r.form["RoleArn"].rsplit("/", 1)[-1] for r in rig.sts.calls("AssumeRole")]
    assert roles == ["RoleB", "A1", "A2"]
    assert [r.form.get("TokenCode") for r in rig.sts.calls("AssumeRole")] == [MFA, None, None]
    hop = rig.sts.issued[0].access_key_id
    assert [signing_key(r) for r in rig.sts.calls("AssumeRole")][1:] == [hop, hop]
    forgot = run([sys.executable, "-m", "trayapp", "forget", "A1"], env)
    assert forgot.returncode == 0 and "Forgot 2 cached sessions" in forgot.stderr  # the hop goes with it
