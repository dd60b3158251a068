"""The loopback test servers work with the real clients: boto3, urllib and the AWS CLI."""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.retries.standard import ExponentialBackoff
from support.awscli import _clean_env, awscli_venv, run_aws
from support.servers import (
    PRIMARY_ACCESS_KEY_ID,
    STS_FAULTS,
    AwsEnv,
    FederationStub,
    MotoServer,
    StsFault,
    StsFaultStub,
    closed_url,
)

pytestmark = pytest.mark.aws

ROLE_ARN = "arn:aws:iam::444455556666:role/ops/admin"
MFA_SERIAL = "arn:aws:iam::123456789012:mfa/primary"
NO_RETRY = Config(retries={"total_max_attempts": 1})


def sts_client(url: str, config: Config | None = None, **keys: str) -> Any:
    return boto3.client(
        "sts",
        endpoint_url=url,
        region_name="us-east-1",
        config=config or NO_RETRY,
        aws_access_key_id=keys.get("key", PRIMARY_ACCESS_KEY_ID),
        aws_secret_access_key=keys.get("secret", "x" * 40),
        aws_session_token=keys.get("token"),
    )


# -- moto ------------------------------------------------------------------------------------------


def test_moto_assume_role_gives_asia_keys_that_identify_as_the_role(aws_env: AwsEnv) -> None:
    # The default chain finds [default] in the isolated credentials file; AWS_ENDPOINT_URL_STS finds moto.
    sts = boto3.Session().client("sts")
    assert sts.meta.endpoint_url == aws_env.endpoint_url
    assert sts.get_caller_identity()["Account"] == "123456789012"

    answer = sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="trayapp-test", DurationSeconds=3600)
    creds = answer["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert answer["AssumedRoleUser"]["Arn"] == "arn:aws:sts::444455556666:assumed-role/admin/trayapp-test"

    as_role = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    ).client("sts")
    identity = as_role.get_caller_identity()
    assert identity["Arn"] == "arn:aws:sts::444455556666:assumed-role/admin/trayapp-test"
    assert identity["Account"] == "444455556666"


def test_moto_stops_and_starts_again_on_the_same_url(moto: MotoServer) -> None:
    url = moto.url
    sts = sts_client(url)
    sts.get_caller_identity()
    moto.stop()
    assert not moto.running
    with pytest.raises(EndpointConnectionError):
        sts_client(url).get_caller_identity()
    moto.start()
    assert moto.running and moto.url == url
    assert sts_client(url).get_caller_identity()["Account"] == "123456789012"


def test_moto_reset_forgets_assumed_roles(moto: MotoServer) -> None:
    creds = sts_client(moto.url).assume_role(RoleArn=ROLE_ARN, RoleSessionName="s1")["Credentials"]
    as_role = sts_client(
        moto.url, key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"]
    )
    assert "assumed-role" in as_role.get_caller_identity()["Arn"]
    moto.reset()
    assert "assumed-role" not in as_role.get_caller_identity()["Arn"]


# -- federation stub -------------------------------------------------------------------------------


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


SESSION = {"sessionId": "ASIAEXAMPLE", "sessionKey": "secret/key+", "sessionToken": "token=="}


def token_url(stub: FederationStub, duration: int | None = None, session: object = SESSION) -> str:
    params = {"Action": "getSigninToken"}
    if duration is not None:
        params["SessionDuration"] = str(duration)
    params["Session"] = json.dumps(session)
    return f"{stub.url}/federation?{urlencode(params)}"


def test_federation_stub_issues_tokens_and_records_session_duration(federation_stub: FederationStub) -> None:
    assert os.environ["TRAYAPP_SIGNIN_ENDPOINT"] == federation_stub.url
    status, body = _get(token_url(federation_stub, duration=43200))
    assert status == 200
    first = json.loads(body)["SigninToken"]
    status, body = _get(token_url(federation_stub))
    second = json.loads(body)["SigninToken"]

    assert federation_stub.tokens_issued == [first, second] and first != second
    with_duration, without = federation_stub.requests
    assert with_duration.path == "/federation" and with_duration.action == "getSigninToken"
    assert with_duration.session == SESSION
    assert with_duration.session_duration == 43200 and with_duration.query["SessionDuration"] == "43200"
    assert without.session_duration is None and "SessionDuration" not in without.query
    assert (with_duration.token, without.token) == (first, second)


def test_federation_stub_failures(federation_stub: FederationStub) -> None:
    federation_stub.fail_next(400)
    federation_stub.fail_next(500)
    assert _get(token_url(federation_stub, 3600)) == (400, "Invalid credentials parameter")
    assert _get(token_url(federation_stub))[0] == 500
    assert _get(token_url(federation_stub))[0] == 200
    # What AWS rejects by itself: a session without keys, a duration out of range, a wrong path.
    assert _get(token_url(federation_stub, session={"sessionId": "x"}))[0] == 400
    assert _get(token_url(federation_stub, duration=60))[0] == 400
    assert _get(f"{federation_stub.url}/nope")[0] == 404
    assert [r.status for r in federation_stub.requests] == [400, 500, 200, 400, 400, 404]
    assert len(federation_stub.tokens_issued) == 1


# -- STS fault stub --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(STS_FAULTS))
def test_sts_stub_faults_reach_boto3_as_client_errors(sts_stub: StsFaultStub, name: str) -> None:
    fault = STS_FAULTS[name]
    sts_stub.set_fault(name)
    with pytest.raises(ClientError) as caught:
        sts_client(sts_stub.url).assume_role(RoleArn=ROLE_ARN, RoleSessionName="s1")
    error = caught.value.response["Error"]
    assert (error["Code"], error["Message"], error["Type"]) == (fault.code, fault.message, fault.type)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == fault.status


# What AWS STS answers, as documented and as users meet it (AWS-FACTS.md), written out here rather than
# read from the stub: each fault must reach a real boto3 client with this code and wording.
AWS_ANSWERS = {
    "access_denied": ("AccessDenied", 403, "is not authorized to perform: sts:AssumeRole"),
    "bad_mfa": ("AccessDenied", 403, "MultiFactorAuthentication failed with invalid MFA one time pass code."),
    "expired_token": ("ExpiredToken", 400, "expired"),
    "invalid_client_token_id": ("InvalidClientTokenId", 403, "invalid"),
    "region_disabled": ("RegionDisabledException", 403, "not activated in this region"),
    "throttling": ("Throttling", 400, "Rate exceeded"),
    "chaining_limit": (
        "ValidationError",
        400,
        "exceeds the 1 hour session limit for roles assumed by role chaining",
    ),
    "duration_too_long": ("ValidationError", 400, "exceeds the MaxSessionDuration set for this role"),
    "signature_expired": ("SignatureDoesNotMatch", 403, "Signature expired"),
    "internal_error": ("InternalFailure", 500, "internal error"),
}
# Which of them botocore's standard retry mode tries again: throttling and 5xx, nothing a user must fix.
RETRIED = {"throttling", "internal_error"}


def test_every_stub_fault_is_one_aws_documents() -> None:
    assert sorted(STS_FAULTS) == sorted(AWS_ANSWERS)


@pytest.mark.parametrize("name", sorted(AWS_ANSWERS))
def test_sts_stub_faults_answer_as_aws_does_and_botocore_retries_alike(
    sts_stub: StsFaultStub, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, status, wording = AWS_ANSWERS[name]
    sts_stub.set_fault(name)
    # botocore decides whether to retry; only its jittered wait (up to a second) is taken out.
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)
    standard = Config(retries={"mode": "standard", "total_max_attempts": 2})
    with pytest.raises(ClientError) as caught:
        sts_client(sts_stub.url, standard).assume_role(RoleArn=ROLE_ARN, RoleSessionName="s1")
    answer = caught.value.response
    assert (answer["Error"]["Code"], answer["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    assert wording in answer["Error"]["Message"]
    assert len(sts_stub.calls("AssumeRole")) == (2 if name in RETRIED else 1)


def test_sts_stub_success_parses_and_records_the_form(sts_stub: StsFaultStub) -> None:
    sts = sts_client(sts_stub.url)
    identity = sts.get_caller_identity()
    assert identity["Arn"] == sts_stub.caller_arn and identity["Account"] == "123456789012"

    answer = sts.assume_role(
        RoleArn=ROLE_ARN,
        RoleSessionName="trayapp-george",
        DurationSeconds=7200,
        ExternalId="ext-123",
        SerialNumber=MFA_SERIAL,
        TokenCode="123456",
    )
    creds = answer["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert creds["Expiration"] == sts_stub.issued[0].expiration  # aware datetimes: botocore parsed the "Z"
    remaining = creds["Expiration"] - datetime.now(UTC)
    assert timedelta(seconds=7190) < remaining <= timedelta(seconds=7200)
    assert answer["AssumedRoleUser"]["Arn"] == "arn:aws:sts::444455556666:assumed-role/admin/trayapp-george"
    assert sts_stub.issued[0].access_key_id == creds["AccessKeyId"]

    (call,) = sts_stub.calls("AssumeRole")
    assert call.form["RoleArn"] == ROLE_ARN
    assert call.form["RoleSessionName"] == "trayapp-george"
    assert call.form["DurationSeconds"] == "7200"
    assert call.form["ExternalId"] == "ext-123"
    assert (call.form["SerialNumber"], call.form["TokenCode"]) == (MFA_SERIAL, "123456")
    assert call.status == 200 and call.code is None
    assert "AKIATRAYAPPTESTKEY01" in call.headers["Authorization"]

    federation = sts.get_federation_token(Name="george", DurationSeconds=3600)
    assert federation["FederatedUser"]["Arn"] == "arn:aws:sts::123456789012:federated-user/george"
    assert sts.get_session_token(SerialNumber=MFA_SERIAL, TokenCode="654321")["Credentials"]["SessionToken"]


def test_sts_stub_mfa_code_is_single_use(sts_stub: StsFaultStub) -> None:
    sts_stub.mfa_code = "123456"
    sts = sts_client(sts_stub.url)
    with pytest.raises(ClientError, match="not authorized"):
        sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="s1")
    with pytest.raises(ClientError, match="invalid MFA one time pass code"):
        sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="s1", SerialNumber=MFA_SERIAL, TokenCode="000000")
    sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="s1", SerialNumber=MFA_SERIAL, TokenCode="123456")
    with pytest.raises(ClientError, match="invalid MFA one time pass code"):
        sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="s1", SerialNumber=MFA_SERIAL, TokenCode="123456")
    assert [r.code for r in sts_stub.calls("AssumeRole")] == [
        "AccessDenied",
        "AccessDenied",
        None,
        "AccessDenied",
    ]


def test_sts_stub_rules_are_counted_and_per_action(sts_stub: StsFaultStub) -> None:
    sts_stub.set_fault("expired_token", times=1, actions=["AssumeRole"])
    sts_stub.add_fault(StsFault(400, "Custom", "custom"), times=1, actions=["GetCallerIdentity"])
    sts = sts_client(sts_stub.url)
    with pytest.raises(ClientError, match="Custom"):
        sts.get_caller_identity()
    sts.get_caller_identity()
    with pytest.raises(ClientError, match="ExpiredToken"):
        sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="s1")
    sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="s1")
    assert [r.code for r in sts_stub.requests] == ["Custom", None, "ExpiredToken", None]
    sts_stub.set_fault("throttling")  # no times: until changed
    for _ in range(2):
        with pytest.raises(ClientError, match="Throttling"):
            sts.get_caller_identity()
    sts_stub.succeed()
    sts.get_caller_identity()


def test_botocore_default_retries_resend_an_mfa_code_on_throttling(
    sts_stub: StsFaultStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why trayapp must turn retries off for calls that carry a TokenCode (AWS-FACTS.md)."""
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    sts_stub.set_fault("throttling", times=1)
    default = boto3.client(
        "sts",
        endpoint_url=sts_stub.url,
        region_name="us-east-1",
        aws_access_key_id=PRIMARY_ACCESS_KEY_ID,
        aws_secret_access_key="x" * 40,
    )
    default.assume_role(RoleArn=ROLE_ARN, RoleSessionName="s1", SerialNumber=MFA_SERIAL, TokenCode="123456")
    assert [r.form["TokenCode"] for r in sts_stub.calls("AssumeRole")] == ["123456", "123456"]


def test_sts_stub_hang_exceeds_a_short_read_timeout_and_stop_does_not_wait(sts_stub: StsFaultStub) -> None:
    sts_stub.set_hang(30)
    config = Config(connect_timeout=0.5, read_timeout=0.5, retries={"total_max_attempts": 1})
    started = time.monotonic()
    with pytest.raises((ReadTimeoutError, ConnectTimeoutError)):
        sts_client(sts_stub.url, config).get_caller_identity()
    assert time.monotonic() - started < 5
    deadline = time.monotonic() + 10  # on a loaded machine the handler may read the request late
    while not sts_stub.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    started = time.monotonic()
    sts_stub.stop()  # a handler is still sleeping
    assert time.monotonic() - started < 2
    assert [(r.action, r.status) for r in sts_stub.requests] == [("GetCallerIdentity", 0)]


def test_stopped_sts_stub_refuses_even_a_pooled_connection(sts_stub: StsFaultStub) -> None:
    sts = sts_client(sts_stub.url)
    sts.get_caller_identity()  # leaves a kept-alive connection in botocore's pool
    sts_stub.stop()
    with pytest.raises(EndpointConnectionError):
        sts.get_caller_identity()


def test_aws_env_routes_sts_to_the_stub(aws_env: AwsEnv, sts_stub: StsFaultStub) -> None:
    aws_env.use_sts(sts_stub.url)
    assert boto3.Session().client("sts").get_caller_identity()["Arn"] == sts_stub.caller_arn
    (call,) = sts_stub.requests
    assert f"Credential={aws_env.access_key_id}/" in call.headers["Authorization"]
    assert boto3.Session().client("iam").meta.endpoint_url == aws_env.endpoint_url  # IAM stays on moto


def test_closed_port_is_refused_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(EndpointConnectionError):
        sts_client(closed_url()).get_caller_identity()
    assert time.monotonic() - started < 5


# -- AWS CLI ---------------------------------------------------------------------------------------


def test_run_aws_env_keeps_our_python_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", "/nowhere")
    monkeypatch.setenv("VIRTUAL_ENV", str(Path(sys.executable).parent.parent))
    env = _clean_env({"AWS_PROFILE": "x", "AWS_CA_BUNDLE": None}, awscli_venv())
    assert not {k for k in env if k.startswith("PYTHON")} and "VIRTUAL_ENV" not in env
    assert env["PATH"].split(os.pathsep)[0] == str(awscli_venv() / "bin")
    assert str(Path(sys.executable).parent) not in env["PATH"].split(os.pathsep)
    assert env["AWS_PROFILE"] == "x" and "AWS_CA_BUNDLE" not in env
    assert env["HOME"] == os.environ["HOME"]


@pytest.mark.cli
def test_aws_cli_against_moto(aws_cli: Path, aws_env: AwsEnv, moto: MotoServer, tmp_path: Path) -> None:
    # Keys from the environment, endpoint on the command line.
    result = run_aws(
        ["sts", "get-caller-identity", "--endpoint-url", moto.url, "--output", "json"],
        {
            "AWS_ACCESS_KEY_ID": "AKIAENVKEY0000000001",
            "AWS_SECRET_ACCESS_KEY": "y" * 40,
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        },
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Account"] == "123456789012"

    # A credential_process profile, and the endpoint from AWS_ENDPOINT_URL_STS (set by aws_env).
    creds = sts_client(moto.url).assume_role(RoleArn=ROLE_ARN, RoleSessionName="cli")["Credentials"]
    script = tmp_path / "creds.py"
    script.write_text(
        "import json\nprint(json.dumps("
        + repr(
            {
                "Version": 1,
                "AccessKeyId": creds["AccessKeyId"],
                "SecretAccessKey": creds["SecretAccessKey"],
                "SessionToken": creds["SessionToken"],
                "Expiration": creds["Expiration"].isoformat(),
            }
        )
        + "))\n"
    )
    aws_env.write_config("side", credential_process=f"{sys.executable} {script}", region="eu-west-1")
    result = run_aws(["sts", "get-caller-identity", "--profile", "side"])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"] == "arn:aws:sts::444455556666:assumed-role/admin/cli"
