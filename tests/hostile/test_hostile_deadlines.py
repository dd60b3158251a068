"""Class 5: every network exchange has an overall deadline; a server that drips its answer cannot hold trayapp."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from kit import trayapp
from support.servers import AwsEnv, Delivery, FederationStub, StsFaultStub

from trayapp.core.cache import MemoryCache
from trayapp.core.config import load_config
from trayapp.core.errors import AwsError
from trayapp.core.sessions import SessionProvider
from trayapp.core.signin import fetch_signin_token

pytestmark = pytest.mark.aws

SESSION = (
    "%7B%22sessionId%22%3A%22ASIAX%22%2C%22sessionKey%22%3A%22{key}%22%2C%22sessionToken%22%3A%22tok%22%7D"
)
DRIP = Delivery("drip", interval=0.5)  # each byte well inside any read timeout: only a deadline ends it


def never(serial: str, account: object, problem: str | None) -> str | None:
    raise AssertionError("no MFA prompt expected")


def test_a_dripping_sts_answer_ends_at_the_deadline(
    aws_env: AwsEnv, sts_stub: StsFaultStub, side: Path
) -> None:
    aws_env.use_sts(sts_stub.url)
    sts_stub.set_delivery(DRIP)
    config = load_config(side)
    provider = SessionProvider(config, MemoryCache(), never, timeouts=(1.0, 1.0))  # deadline: 2 * (1 + 1) s
    started = time.monotonic()
    with pytest.raises(AwsError) as caught:
        provider.credentials(config.accounts[0])
    elapsed = time.monotonic() - started
    assert 3.5 < elapsed < 10, elapsed
    message = str(caught.value)
    assert f"AWS STS at {sts_stub.url}" in message and "did not finish answering within 4 s" in message
    assert "\n" not in message


def test_a_dripping_signin_answer_ends_at_the_deadline(federation_stub: FederationStub) -> None:
    federation_stub.deliver_next(Delivery("drip", interval=0.3))
    url = federation_stub.url + "/federation?Action=getSigninToken&Session=" + SESSION.format(key="k")
    started = time.monotonic()
    with pytest.raises(AwsError) as caught:
        fetch_signin_token(url, timeout=1.0, deadline=2.0)
    assert time.monotonic() - started < 6
    assert str(caught.value).startswith("the AWS sign-in service did not finish answering within 2 s")


def test_a_dripping_signin_answer_never_shows_the_request_url(federation_stub: FederationStub) -> None:
    federation_stub.deliver_next(Delivery("drip", interval=0.3))
    secret = "sessionKeyValueThatMustNotShow123"
    url = federation_stub.url + "/federation?Action=getSigninToken&Session=" + SESSION.format(key=secret)
    with pytest.raises(AwsError) as caught:
        fetch_signin_token(url, timeout=1.0, deadline=1.5)
    assert secret not in str(caught.value) and "Session=" not in str(caught.value)


def test_trayapp_creds_ends_on_its_own_against_a_dripping_sts(
    aws_env: AwsEnv, sts_stub: StsFaultStub, side: Path
) -> None:
    """As a user meets it: default timeouts, a real process, an answer that would take minutes."""
    aws_env.use_sts(sts_stub.url)
    sts_stub.set_delivery(Delivery("drip", interval=1.0))
    started = time.monotonic()
    done = trayapp("creds", "side", timeout=90)
    elapsed = time.monotonic() - started
    assert done.returncode == 1
    assert elapsed < 60, elapsed
    assert done.stdout == ""
    assert done.stderr.strip() == (
        f"trayapp: AWS STS at {sts_stub.url} did not finish answering within 30 s; check your network and try again"
    )
