"""Back to primary, federated: GetFederationToken (moto) -> getSigninToken (our stub) -> a login URL.

Also the STS fault stub for what moto does not check: the exact request (pass-through policy, name,
duration), refusals in one sentence, and temporary keys refused before any call.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sessions_kit import BrowserRecorder, assert_no_secrets, query_of, run_trayapp, use_config
from support.servers import AwsEnv, FederationStub, MotoServer, StsFault, StsFaultStub

from trayapp.core.cache import parse_expiration
from trayapp.core.errors import AwsError, UsageError
from trayapp.core.federation import PASS_THROUGH_POLICY, federated_login_url
from trayapp.core.model import Primary
from trayapp.core.state import StateStore

pytestmark = pytest.mark.aws

FEDERATED = """
[primary]
label = "george"
account_id = "111122223333"
region = "eu-west-1"
back = "federated"

[[account]]
name = "side-project"
display_name = "Side project"
account_id = "444455556666"
role_name = "admin"
"""
HOME_EU_WEST = "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"


def test_the_policy_passes_the_users_own_permissions_through() -> None:
    assert json.loads(PASS_THROUGH_POLICY) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }


def test_federated_back_opens_the_console_as_the_primary_user(
    aws_env: AwsEnv,
    moto: MotoServer,
    federation_stub: FederationStub,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    use_config(monkeypatch, tmp_path, FEDERATED)
    recorder = BrowserRecorder(tmp_path)
    StateStore.default().save(
        StateStore.default().load().opened("side-project", "switch-role", "2099-01-01T00:00:00Z")
    )

    result = run_trayapp("back", env={"BROWSER": recorder.browser})
    assert result.returncode == 0, result.stderr
    assert result.stderr == "Console opened as george (federated, 12 h).\n"

    # getSigninToken got the federation token's keys and no SessionDuration (AWS refuses it there).
    (request,) = federation_stub.token_requests()
    assert request.session_duration is None and "SessionDuration" not in request.query
    assert request.session is not None and request.session["sessionToken"]  # moto's federation token
    assert request.session["sessionId"] != aws_env.access_key_id  # never the user's long-term keys
    assert request.session["sessionKey"] != aws_env.secret_access_key

    # The browser got a one-time loopback address, which redirected to the login URL.
    (entry,) = recorder.entries()
    (handoff,) = entry["argv"]
    assert handoff.startswith("http://127.0.0.1:") and "SigninToken" not in handoff
    assert query_of(entry["location"])["Destination"] == HOME_EU_WEST
    assert query_of(entry["location"])["SigninToken"] == federation_stub.tokens_issued[-1]
    assert_no_secrets(
        result.stderr + result.stdout + handoff,
        [*federation_stub.tokens_issued, request.session["sessionKey"], aws_env.secret_access_key],
    )
    assert StateStore.default().load().console is None  # the icon is neutral again

    # Already primary: nothing more happens in the browser.
    again = run_trayapp("back", env={"BROWSER": recorder.browser})
    assert again.stderr == "Already in the primary session; the browser was left as it is.\n"
    assert len(recorder.entries()) == 1 and len(federation_stub.token_requests()) == 1


def test_the_request_names_the_user_and_asks_for_twelve_hours(
    aws_env: AwsEnv, sts_stub: StsFaultStub, federation_stub: FederationStub
) -> None:
    aws_env.use_sts(sts_stub.url)
    url, until = federated_login_url(
        Primary(label="george (laptop)"), "george (laptop)", {"TRAYAPP_SIGNIN_ENDPOINT": federation_stub.url}
    )
    (call,) = sts_stub.calls("GetFederationToken")
    form = call.form
    assert form["Name"] == "george--laptop" and form["DurationSeconds"] == "43200"
    assert json.loads(form["Policy"]) == json.loads(PASS_THROUGH_POLICY)
    assert "SerialNumber" not in form and "TokenCode" not in form  # GetFederationToken takes no MFA
    assert query_of(url)["Destination"] == "https://console.aws.amazon.com/console/home?region=us-east-1"
    left = parse_expiration(until) - datetime.now(UTC)
    assert timedelta(hours=11, minutes=58) < left <= timedelta(hours=12), left  # the session's own end


def test_a_refusal_is_one_sentence_without_secrets(
    aws_env: AwsEnv, sts_stub: StsFaultStub, federation_stub: FederationStub
) -> None:
    aws_env.use_sts(sts_stub.url)
    sts_stub.set_fault(StsFault(403, "AccessDenied", "not allowed"), actions=["GetFederationToken"])
    with pytest.raises(AwsError) as caught:
        federated_login_url(Primary(), "george", {"TRAYAPP_SIGNIN_ENDPOINT": federation_stub.url})
    assert str(caught.value) == (
        "Could not open the console as the primary IAM user: access denied "
        "(the IAM user needs permission for sts:GetFederationToken)"
    )
    assert federation_stub.token_requests() == []


def test_temporary_primary_keys_are_refused_before_any_call(
    aws_env: AwsEnv, sts_stub: StsFaultStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws_env.use_sts(sts_stub.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIATEMPORARY0000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x" * 40)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token")
    with pytest.raises(UsageError, match="long-term keys"):
        federated_login_url(Primary(), "george", {})
    assert sts_stub.requests == []
