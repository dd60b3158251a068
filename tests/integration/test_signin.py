"""Signed console sign-in: AssumeRole (moto or the STS stub), getSigninToken (the federation stub), the login URL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sessions_kit import (
    SIDE_PROJECT,
    BrowserRecorder,
    assert_no_secrets,
    one_sentence,
    query_of,
    run_main,
    run_trayapp,
    secrets_of,
    use_config,
    write_chained_profiles,
)
from support.servers import AwsEnv, FederationStub, MotoServer, StsFaultStub, closed_url

from trayapp.core.console import ISSUER
from trayapp.core.state import StateStore

pytestmark = pytest.mark.aws

HOME_EU_CENTRAL = "https://eu-central-1.console.aws.amazon.com/console/home?region=eu-central-1"


@pytest.fixture
def side_project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return use_config(monkeypatch, tmp_path, SIDE_PROJECT)


def signed_url(*args: str, name: str = "side-project", in_process: bool = True) -> str:
    result = (run_main if in_process else run_trayapp)("url", name, "--signed", *args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    (line,) = result.stdout.splitlines()
    return line


def role_credentials(name: str = "side-project") -> dict[str, str]:
    """The session trayapp holds for the account (a cache hit: no new AssumeRole)."""
    result = run_main("creds", name, "--format", "json")
    assert result.returncode == 0, result.stderr
    data: dict[str, str] = json.loads(result.stdout)
    return data


def assert_login_url(url: str, stub: FederationStub, destination: str) -> None:
    assert url.startswith(f"{stub.url}/federation?")
    query = query_of(url)
    assert query == {
        "Action": "login",
        "Issuer": ISSUER,
        "Destination": destination,
        "SigninToken": stub.tokens_issued[-1],
    }


def test_url_signed_prints_a_login_url_built_from_the_stub_token(
    aws_env: AwsEnv, moto: MotoServer, federation_stub: FederationStub, side_project: Path
) -> None:
    url = signed_url(in_process=False)
    assert_login_url(url, federation_stub, HOME_EU_CENTRAL)
    (request,) = federation_stub.token_requests()
    creds = role_credentials()
    assert request.session == {
        "sessionId": creds["AccessKeyId"],
        "sessionKey": creds["SecretAccessKey"],
        "sessionToken": creds["SessionToken"],
    }
    assert creds["AccessKeyId"].startswith("ASIA")
    assert request.session_duration is None  # the account sets no duration
    # Never cached: a second URL is a second token.
    second = signed_url()
    assert second != url and len(federation_stub.token_requests()) == 2
    assert query_of(second)["SigninToken"] == federation_stub.tokens_issued[-1]


@pytest.mark.parametrize(
    ("args", "extra", "destination"),
    [
        (["--service", "s3"], "", "https://eu-central-1.console.aws.amazon.com/s3/home?region=eu-central-1"),
        (["--region", "us-east-1"], "", "https://console.aws.amazon.com/console/home?region=us-east-1"),
        (
            ["--region", "us-west-2", "--service", "ec2"],
            "",
            "https://us-west-2.console.aws.amazon.com/ec2/home?region=us-west-2",
        ),
        (
            [],
            'destination = "/billing/home"\n',
            "https://eu-central-1.console.aws.amazon.com/billing/home?region=eu-central-1",
        ),
        (
            [],
            'destination = "cloudwatch"\n',
            "https://eu-central-1.console.aws.amazon.com/cloudwatch/home?region=eu-central-1",
        ),
        (
            ["--service", "/iam/home#/roles"],
            'destination = "cloudwatch"\n',
            "https://eu-central-1.console.aws.amazon.com/iam/home?region=eu-central-1#/roles",
        ),
    ],
)
def test_login_url_destination(
    aws_env: AwsEnv,
    moto: MotoServer,
    federation_stub: FederationStub,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: list[str],
    extra: str,
    destination: str,
) -> None:
    use_config(monkeypatch, tmp_path, SIDE_PROJECT + extra)
    assert_login_url(signed_url(*args), federation_stub, destination)


@pytest.mark.parametrize(
    ("region", "arn", "destination"),
    [
        (
            "us-gov-west-1",
            "arn:aws-us-gov:iam::444455556666:role/admin",
            "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1",
        ),
        (
            "cn-north-1",
            "arn:aws-cn:iam::444455556666:role/admin",
            "https://console.amazonaws.cn/console/home?region=cn-north-1",
        ),
    ],
)
def test_login_url_destination_per_partition(
    aws_env: AwsEnv,
    sts_stub: StsFaultStub,
    federation_stub: FederationStub,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    region: str,
    arn: str,
    destination: str,
) -> None:
    aws_env.use_sts(sts_stub.url)
    use_config(
        monkeypatch,
        tmp_path,
        f'[primary]\nregion = "{region}"\n\n[[account]]\nname = "far"\nrole_arn = "{arn}"\n',
    )
    assert_login_url(signed_url(name="far"), federation_stub, destination)
    (call,) = sts_stub.calls("AssumeRole")
    assert call.form["RoleArn"] == arn
    assert f"/{region}/sts/aws4_request" in call.headers["Authorization"]


# -- SessionDuration -----------------------------------------------------------------------------------


def test_session_duration_sent_for_a_direct_assume_role(
    aws_env: AwsEnv,
    moto: MotoServer,
    federation_stub: FederationStub,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    use_config(monkeypatch, tmp_path, SIDE_PROJECT + 'duration = "2h"\n')
    signed_url()
    (request,) = federation_stub.token_requests()
    assert request.session_duration == 7200
    assert request.query["SessionDuration"] == "7200"


def test_session_duration_not_sent_for_a_chained_profile(
    aws_env: AwsEnv,
    sts_stub: StsFaultStub,
    federation_stub: FederationStub,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    aws_env.use_sts(sts_stub.url)
    write_chained_profiles(aws_env)
    use_config(monkeypatch, tmp_path, "[primary]\n")
    assert_login_url(
        signed_url(name="chained"),
        federation_stub,
        "https://console.aws.amazon.com/console/home?region=us-east-1",
    )
    (request,) = federation_stub.token_requests()
    assert "SessionDuration" not in request.query
    assert request.session and request.session["sessionId"] == sts_stub.issued[-1].access_key_id


def test_session_duration_not_sent_when_the_primary_keys_are_temporary(
    aws_env: AwsEnv,
    moto: MotoServer,
    federation_stub: FederationStub,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    aws_env.write_credentials("default", session_token="FwoGZXIvYXdzEPRIMARYSESSIONTOKEN")
    use_config(monkeypatch, tmp_path, SIDE_PROJECT + 'duration = "2h"\n')
    signed_url()
    (request,) = federation_stub.token_requests()
    assert "SessionDuration" not in request.query


# -- failures ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 500])
def test_federation_error_is_one_sentence_without_url_or_secret(
    aws_env: AwsEnv, sts_stub: StsFaultStub, federation_stub: FederationStub, side_project: Path, status: int
) -> None:
    aws_env.use_sts(sts_stub.url)
    federation_stub.fail_next(status)
    result = run_trayapp("url", "side-project", "--signed")
    assert result.returncode == 1
    sentence = one_sentence(result)
    assert sentence == f"the AWS sign-in service refused the session (HTTP {status})"
    output = result.stdout + result.stderr
    assert "federation" not in output and "http" not in output
    assert_no_secrets(output, secrets_of(sts_stub, federation_stub))
    (request,) = federation_stub.requests
    assert request.session and request.session["sessionKey"] == sts_stub.issued[0].secret_access_key


def test_unreachable_sign_in_service_is_one_sentence(
    aws_env: AwsEnv, sts_stub: StsFaultStub, side_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws_env.use_sts(sts_stub.url)
    monkeypatch.setenv("TRAYAPP_SIGNIN_ENDPOINT", closed_url())
    result = run_main("url", "side-project", "--signed")
    assert result.returncode == 1
    assert one_sentence(result).startswith("could not reach the AWS sign-in service")
    assert_no_secrets(result.stderr, secrets_of(sts_stub))


def test_sts_failure_in_signed_mode_is_one_sentence(
    aws_env: AwsEnv, sts_stub: StsFaultStub, federation_stub: FederationStub, side_project: Path
) -> None:
    aws_env.use_sts(sts_stub.url)
    sts_stub.set_fault("access_denied", actions=["AssumeRole"])
    result = run_main("url", "side-project", "--signed")
    assert result.returncode == 1
    assert "access denied" in one_sentence(result)
    assert federation_stub.requests == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://evil.example.com/federation",
        "http://signin.aws.amazon.com/federation",  # an AWS host, but not over https
        "https://signin.aws.amazon.com.evil.example/federation",
        "http://127.0.0.1.nip.io:8080/federation",
        "ftp://127.0.0.1/federation",
    ],
)
def test_signin_endpoint_off_loopback_and_aws_is_refused(
    aws_env: AwsEnv,
    sts_stub: StsFaultStub,
    side_project: Path,
    monkeypatch: pytest.MonkeyPatch,
    endpoint: str,
) -> None:
    aws_env.use_sts(sts_stub.url)
    monkeypatch.setenv("TRAYAPP_SIGNIN_ENDPOINT", endpoint)
    result = run_main("url", "side-project", "--signed")
    assert result.returncode == 2
    assert "TRAYAPP_SIGNIN_ENDPOINT" in one_sentence(result)
    assert sts_stub.calls("AssumeRole") == []  # refused before any AWS call (or MFA prompt)


def test_signin_endpoint_refused_in_a_subprocess_too(side_project: Path) -> None:
    result = run_trayapp(
        "url", "side-project", "--signed", env={"TRAYAPP_SIGNIN_ENDPOINT": "https://evil.example.com"}
    )
    assert result.returncode == 2
    assert "TRAYAPP_SIGNIN_ENDPOINT" in one_sentence(result)


# -- open --signed through the loopback hand-off -------------------------------------------------------


def test_open_signed_hands_the_browser_only_a_loopback_url(
    aws_env: AwsEnv, moto: MotoServer, federation_stub: FederationStub, side_project: Path, tmp_path: Path
) -> None:
    recorder = BrowserRecorder(tmp_path)
    result = run_trayapp("open", "side-project", "--signed", env={"BROWSER": recorder.browser})
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == "Opened the console for Side project (signed).\n"
    (entry,) = recorder.entries()
    (handoff,) = entry["argv"]
    assert handoff.startswith("http://127.0.0.1:")
    path = handoff.split("/", 3)[3]
    assert len(path) >= 20 and "?" not in path
    assert "SigninToken" not in handoff and "federation" not in handoff
    creds = role_credentials()
    assert_no_secrets(
        handoff, [*federation_stub.tokens_issued, creds["SecretAccessKey"], creds["SessionToken"]]
    )
    assert entry["status"] == 302
    assert_login_url(entry["location"], federation_stub, HOME_EU_CENTRAL)
    state = StateStore.default().load()
    assert state.console is not None and state.console.account == "side-project"
    assert state.console.mode == "signed"


def test_debug_output_of_a_refused_session_holds_no_secret(
    aws_env: AwsEnv, sts_stub: StsFaultStub, federation_stub: FederationStub, side_project: Path
) -> None:
    """With --debug a traceback is allowed, but the getSigninToken URL (it carries the secret key) is not."""
    aws_env.use_sts(sts_stub.url)
    federation_stub.fail_next(400)
    result = run_trayapp("--debug", "url", "side-project", "--signed")
    assert result.returncode == 1 and result.stdout == ""
    assert "refused the session (HTTP 400)" in result.stderr
    assert "Session=" not in result.stderr and "sessionKey" not in result.stderr
    assert_no_secrets(result.stderr, secrets_of(sts_stub, federation_stub))


def test_handoff_serves_its_secret_once_and_only_on_its_path() -> None:
    import http.client
    import threading
    from urllib.parse import urlsplit

    from trayapp.platforms.browser import Handoff

    secret = "https://signin.aws.amazon.com/federation?Action=login&SigninToken=SECRET"
    handoff = Handoff(secret, timeout=10)
    server = threading.Thread(target=handoff.serve, daemon=True)
    server.start()
    parts = urlsplit(handoff.url)

    def get(path: str) -> tuple[int, str | None]:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
        try:
            conn.request("GET", path)
            answer = conn.getresponse()
            return answer.status, answer.getheader("Location")
        finally:
            conn.close()

    assert get("/guess") == (404, None)
    assert get(parts.path + "x") == (404, None)
    assert get(parts.path) == (302, secret)
    server.join(5)
    assert not server.is_alive() and handoff.served
    with pytest.raises(OSError):
        get(parts.path)  # closed after the one redirect
