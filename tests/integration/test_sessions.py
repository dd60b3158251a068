"""SessionProvider in-process against moto and the STS fault stub, through boto3's real HTTP path."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from sessions_kit import (
    MFA_SERIAL,
    ROLE_ARN,
    SIDE_PROJECT,
    assert_no_secrets,
    assert_one_sentence,
    config_of,
    secrets_of,
    use_config,
    write_chained_profiles,
)
from support.fakeenv import Fakes
from support.servers import STS_FAULTS, AwsEnv, MotoServer, StsFaultStub, closed_url

from trayapp.app import App
from trayapp.core.awscall import THROTTLE_ATTEMPTS
from trayapp.core.cache import FileCache, MemoryCache, SessionCache, sessions_dir, utc_now
from trayapp.core.errors import AwsError, TrayappError, UsageError
from trayapp.core.model import Account
from trayapp.core.sessions import Cancelled, SessionProvider
from trayapp.core.state import StateStore
from trayapp.platforms.prompts import CodeOption

pytestmark = pytest.mark.aws

MFA_CONFIG = f"""
[primary]
region = "eu-west-1"
mfa_serial = "{MFA_SERIAL}"

[[account]]
name = "side-project"
display_name = "Side project"
account_id = "444455556666"
role_name = "ops/admin"
"""


class Answers:
    """An MFA prompt injected in-process: replays answers, records the messages it was shown."""

    def __init__(self, *answers: str | None):
        self.answers = list(answers)
        self.problems: list[str | None] = []

    def __call__(self, serial: str, account: Account, problem: str | None) -> str | None:
        assert serial == MFA_SERIAL
        self.problems.append(problem)
        return self.answers.pop(0)


def no_prompt(serial: str, account: Account, problem: str | None) -> str | None:
    raise AssertionError("no MFA prompt expected")


def provider(
    config_path: Path,
    prompt: Callable[[str, Account, str | None], str | None] = no_prompt,
    cache: SessionCache | None = None,
    clock: Callable[[], datetime] = utc_now,
    timeouts: tuple[float, float] = (5.0, 10.0),
) -> SessionProvider:
    return SessionProvider(
        config_of(config_path), cache if cache is not None else MemoryCache(), prompt, clock, timeouts
    )


def account(p: SessionProvider, name: str = "side-project") -> Account:
    return next(a for a in p.config.accounts if a.name == name)


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Throttling backoff set to zero (the retries themselves still happen), to keep tests fast."""
    from trayapp.core import awscall

    monkeypatch.setattr(awscall, "BACKOFF_BASE", 0.0)


@pytest.fixture
def stub_env(aws_env: AwsEnv, sts_stub: StsFaultStub) -> StsFaultStub:
    aws_env.use_sts(sts_stub.url)
    return sts_stub


def hung_calls(stub: StsFaultStub) -> list[Any]:
    """Stop the stub (waking its hung handlers) and return the AssumeRole calls it recorded as they arrived."""
    stub.stop()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and not stub.calls("AssumeRole"):
        time.sleep(0.02)
    time.sleep(0.1)
    return stub.calls("AssumeRole")


def identify(creds: Any, endpoint: str) -> str:
    """GetCallerIdentity with role credentials, through boto3 (the ARN STS reports for them)."""
    client = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        aws_session_token=creds.session_token,
    )
    return str(client.get_caller_identity()["Arn"])


# -- AssumeRole against moto -------------------------------------------------------------------------


def test_assume_role_through_moto_gives_working_role_credentials(
    aws_env: AwsEnv, moto: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    p = provider(use_config(monkeypatch, tmp_path, SIDE_PROJECT))
    session = p.credentials(account(p))
    creds = session.credentials
    assert creds.access_key_id.startswith("ASIA")
    assert creds.expiration.endswith("Z")
    # Named after the primary user, as moto reports it (user/moto).
    assert session.assumed_role_arn == "arn:aws:sts::444455556666:assumed-role/admin/moto"
    assert identify(creds, moto.url) == session.assumed_role_arn
    assert not session.chained


def test_cached_session_is_reused_and_refreshed_fifteen_minutes_before_expiry(
    aws_env: AwsEnv, moto: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    now = [datetime.now(UTC)]
    p = provider(
        use_config(monkeypatch, tmp_path, SIDE_PROJECT), cache=FileCache(tmp_path / "c"), clock=lambda: now[0]
    )
    first = p.credentials(account(p))
    expires = first.expires
    now[0] = expires - timedelta(minutes=16)
    assert p.credentials(account(p)) == first  # still fresh: no new session
    now[0] = expires - timedelta(minutes=14)
    second = p.credentials(account(p))
    assert second.credentials.access_key_id != first.credentials.access_key_id
    assert FileCache(tmp_path / "c").get(p.cache_key(account(p))) == second


# -- MFA -----------------------------------------------------------------------------------------------


def test_mfa_wrong_then_right_asks_again_once_with_a_message(
    stub_env: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stub_env.mfa_code = "123456"
    prompt = Answers("000000", "123456")
    cache = MemoryCache()
    p = provider(use_config(monkeypatch, tmp_path, MFA_CONFIG), prompt, cache)
    session = p.credentials(account(p))
    assert prompt.problems[0] is None
    assert prompt.problems[1] and "not accepted" in prompt.problems[1]
    calls = stub_env.calls("AssumeRole")
    assert [(c.form["SerialNumber"], c.form["TokenCode"]) for c in calls] == [
        (MFA_SERIAL, "000000"),
        (MFA_SERIAL, "123456"),
    ]
    assert session.credentials.access_key_id == stub_env.issued[0].access_key_id
    assert cache.get(p.cache_key(account(p))) == session
    # Cached now: a second call neither prompts nor calls STS.
    p.prompt = no_prompt
    assert p.credentials(account(p)) == session
    assert len(stub_env.calls("AssumeRole")) == 2


def test_mfa_wrong_twice_is_one_sentence(
    stub_env: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stub_env.mfa_code = "123456"
    cache = MemoryCache()
    p = provider(use_config(monkeypatch, tmp_path, MFA_CONFIG), Answers("000000", "111111"), cache)
    with pytest.raises(AwsError) as caught:
        p.credentials(account(p))
    text = str(caught.value)
    assert_one_sentence(text)
    assert "MFA code was not accepted" in text
    assert_no_secrets(text, secrets_of(stub_env, extra=["000000", "111111"]))
    assert cache.entries == {}


def test_mfa_code_option_rejected_is_final(
    stub_env: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stub_env.mfa_code = "123456"
    p = provider(use_config(monkeypatch, tmp_path, MFA_CONFIG), CodeOption("654321"))
    with pytest.raises(UsageError) as caught:
        p.credentials(account(p))
    assert_one_sentence(str(caught.value))
    assert "654321" not in str(caught.value)
    assert len(stub_env.calls("AssumeRole")) == 1


def test_mfa_cancel_stops_cleanly_and_caches_nothing(
    stub_env: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cache = FileCache(tmp_path / "cache")
    p = provider(use_config(monkeypatch, tmp_path, MFA_CONFIG), Answers(None), cache)
    with pytest.raises(Cancelled):
        p.credentials(account(p))
    assert stub_env.calls("AssumeRole") == []
    assert not list((tmp_path / "cache").glob("*.json"))  # only the (empty) lock file of the key


def test_mfa_call_is_sent_once_even_when_throttled(
    stub_env: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stub_env.mfa_code = "123456"
    stub_env.set_fault("throttling", actions=["AssumeRole"])
    p = provider(use_config(monkeypatch, tmp_path, MFA_CONFIG), Answers("123456"))
    with pytest.raises(AwsError) as caught:
        p.credentials(account(p))
    assert len(stub_env.calls("AssumeRole")) == 1
    text = str(caught.value)
    assert_one_sentence(text)
    assert "throttling" in text and f"tried {THROTTLE_ATTEMPTS} times" not in text
    assert_no_secrets(text, secrets_of(stub_env, extra=["123456"]))


def test_mfa_code_is_not_resent_after_a_timeout(
    stub_env: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stub_env.set_hang(30, actions=["AssumeRole"])
    p = provider(use_config(monkeypatch, tmp_path, MFA_CONFIG), Answers("123456"), timeouts=(1, 1))
    started = time.monotonic()
    with pytest.raises(AwsError) as caught:
        p.credentials(account(p))
    assert time.monotonic() - started < 5
    assert_one_sentence(str(caught.value))
    assert "did not answer in time" in str(caught.value)
    calls = hung_calls(stub_env)
    assert [c.form["TokenCode"] for c in calls] == ["123456"]  # sent once, never again


# -- throttling without MFA --------------------------------------------------------------------------


def test_throttling_is_retried_a_few_times_then_one_sentence(
    stub_env: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_backoff: None
) -> None:
    stub_env.set_fault("throttling", actions=["AssumeRole"])
    p = provider(use_config(monkeypatch, tmp_path, SIDE_PROJECT))
    with pytest.raises(AwsError) as caught:
        p.credentials(account(p))
    assert len(stub_env.calls("AssumeRole")) == THROTTLE_ATTEMPTS == 4
    assert_one_sentence(str(caught.value))
    assert "throttling" in str(caught.value)


def test_throttling_once_then_success_is_invisible(
    stub_env: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_backoff: None
) -> None:
    stub_env.set_fault("throttling", times=2, actions=["AssumeRole"])
    p = provider(use_config(monkeypatch, tmp_path, SIDE_PROJECT))
    session = p.credentials(account(p))
    assert session.credentials.access_key_id == stub_env.issued[0].access_key_id
    assert [c.code for c in stub_env.calls("AssumeRole")] == ["Throttling", "Throttling", None]


# -- parameters ----------------------------------------------------------------------------------------


def test_external_id_duration_and_default_session_name(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stub = StsFaultStub(caller_arn="arn:aws:iam::123456789012:user/dev/team/george.w")
    with stub:
        aws_env.use_sts(stub.url)
        text = SIDE_PROJECT + 'external_id = "ext-123"\nduration = "2h"\n'
        p = provider(use_config(monkeypatch, tmp_path, text))
        session = p.credentials(account(p))
        (call,) = stub.calls("AssumeRole")
        assert call.form["RoleArn"] == ROLE_ARN
        assert call.form["ExternalId"] == "ext-123"
        assert call.form["DurationSeconds"] == "7200"
        assert call.form["RoleSessionName"] == "george.w"
        assert "SerialNumber" not in call.form and "TokenCode" not in call.form
        assert session.assumed_role_arn.endswith("assumed-role/admin/george.w")
        assert len(stub.calls("GetCallerIdentity")) == 1


@pytest.mark.parametrize(
    ("caller", "label", "expected"),
    [
        ("arn:aws:iam::123456789012:user/george", "George O'Neil/ops", "George-O-Neil-ops"),
        ("arn:aws:sts::123456789012:assumed-role/dev/george", None, "assumed-role-dev-george"),
        ("arn:aws:iam::123456789012:user/a", None, "trayapp"),
    ],
)
def test_role_session_name_never_contains_a_slash(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caller: str,
    label: str | None,
    expected: str,
) -> None:
    stub = StsFaultStub(caller_arn=caller)
    with stub:
        aws_env.use_sts(stub.url)
        text = SIDE_PROJECT.replace(
            "[primary]\n", f'[primary]\nlabel = "{label}"\n' if label else "[primary]\n"
        )
        p = provider(use_config(monkeypatch, tmp_path, text))
        p.credentials(account(p))
        (call,) = stub.calls("AssumeRole")
        assert call.form["RoleSessionName"] == expected
        assert "/" not in call.form["RoleSessionName"]
        assert len(stub.calls("GetCallerIdentity")) == (0 if label else 1)  # the label wins


def test_account_role_session_name_wins(
    stub_env: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    p = provider(use_config(monkeypatch, tmp_path, SIDE_PROJECT + 'role_session_name = "mine"\n'))
    p.credentials(account(p))
    assert stub_env.calls("AssumeRole")[0].form["RoleSessionName"] == "mine"


def test_role_chaining_keeps_the_one_hour_cap(
    aws_env: AwsEnv, stub_env: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_chained_profiles(aws_env)
    p = provider(use_config(monkeypatch, tmp_path, "[primary]\n"))
    chained = account(p, "chained")
    assert chained.chained and chained.source == "aws-config"
    session = p.credentials(chained)
    calls = stub_env.calls("AssumeRole")
    assert [c.form["RoleArn"] for c in calls] == [
        "arn:aws:iam::555566667777:role/base",  # botocore, for the source profile
        "arn:aws:iam::444455556666:role/deep",  # trayapp, with the base role's credentials
    ]
    assert int(calls[-1].form["DurationSeconds"]) <= 3600
    assert session.chained


def test_temporary_primary_keys_keep_the_one_hour_cap(
    aws_env: AwsEnv, stub_env: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    aws_env.write_credentials("default", session_token="FwoGZXIvYXdzEPRIMARYSESSIONTOKEN")
    p = provider(use_config(monkeypatch, tmp_path, SIDE_PROJECT + 'duration = "4h"\n'))
    session = p.credentials(account(p))
    assert int(stub_env.calls("AssumeRole")[0].form["DurationSeconds"]) <= 3600
    assert session.chained


# -- cache keys, memory cache --------------------------------------------------------------------------


def test_external_id_and_duration_make_different_sessions(
    stub_env: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    accounts = "".join(
        f'\n[[account]]\nname = "{name}"\naccount_id = "444455556666"\nrole_name = "ops/admin"\n{extra}\n'
        for name, extra in [
            ("plain", ""),
            ("ext-a", 'external_id = "ext-a"'),
            ("ext-b", 'external_id = "ext-b"'),
            ("long", 'duration = "2h"'),
        ]
    )
    cache = FileCache(tmp_path / "cache")
    p = provider(use_config(monkeypatch, tmp_path, '[primary]\nlabel = "george"\n' + accounts), cache=cache)
    sessions = [p.credentials(a) for a in p.config.accounts]
    assert len({s.credentials.access_key_id for s in sessions}) == 4
    assert len(stub_env.calls("AssumeRole")) == 4
    assert len({p.cache_key(a) for a in p.config.accounts}) == 4
    assert len(list((tmp_path / "cache").glob("*.json"))) == 4
    assert [p.credentials(a) for a in p.config.accounts] == sessions  # all served from the cache
    assert len(stub_env.calls("AssumeRole")) == 4


def test_memory_session_cache_writes_nothing_to_disk(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = use_config(
        monkeypatch,
        tmp_path,
        SIDE_PROJECT.replace("[[account]]", '[settings]\nsession_cache = "memory"\n\n[[account]]'),
    )
    app = App(config_of(path), no_prompt, Fakes().env(os.environ), store=StateStore(tmp_path / "state.json"))
    assert isinstance(app.cache, MemoryCache)
    first = app.credentials(app.find("side-project"))
    assert app.credentials(app.find("side-project")) == first
    assert not sessions_dir().exists()
    secret = first.credentials.secret_access_key.encode()
    home = Path(os.environ["HOME"])
    holders = [
        p for root in (tmp_path, home) for p in root.rglob("*") if p.is_file() and secret in p.read_bytes()
    ]
    assert holders == []  # the session lives in memory only


# -- every STS failure: one sentence, no secret --------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        "access_denied",
        "bad_mfa",
        "expired_token",
        "invalid_client_token_id",
        "region_disabled",
        "throttling",
        "chaining_limit",
        "duration_too_long",
        "signature_expired",
        "internal_error",
    ],
)
def test_sts_failure_is_one_sentence_without_secrets(
    stub_env: StsFaultStub,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    fault: str,
    no_backoff: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="trayapp")
    stub_env.set_fault(fault, actions=["AssumeRole"])
    code = "246810"
    p = provider(use_config(monkeypatch, tmp_path, MFA_CONFIG), Answers(code, "135791"))
    with pytest.raises(TrayappError) as caught:
        p.credentials(account(p))
    text = str(caught.value)
    assert isinstance(caught.value, AwsError)
    assert_one_sentence(text)
    assert text.startswith("Could not assume role in Side project")
    assert_no_secrets(text + caplog.text, secrets_of(stub_env, extra=[code, "135791"]))
    if fault != "bad_mfa":
        assert len(stub_env.calls("AssumeRole")) == 1  # an MFA call is never retried
    expected = {
        "access_denied": "access denied",
        "bad_mfa": "MFA code was not accepted",
        "expired_token": "expired",
        "invalid_client_token_id": "does not recognise",
        "region_disabled": "not activated",
        "throttling": "throttling",
        "chaining_limit": "1 hour",
        "duration_too_long": "maximum session duration",
        "signature_expired": "clock",
        "internal_error": "InternalFailure",
    }[fault]
    assert expected in text
    assert STS_FAULTS[fault].message not in text or fault == "internal_error"  # explained, not parroted


def test_hang_past_the_timeout_is_one_sentence(
    stub_env: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_backoff: None
) -> None:
    stub_env.set_hang(30, actions=["AssumeRole"])
    p = provider(use_config(monkeypatch, tmp_path, SIDE_PROJECT), timeouts=(1, 1))
    started = time.monotonic()
    with pytest.raises(AwsError) as caught:
        p.credentials(account(p))
    elapsed = time.monotonic() - started
    text = str(caught.value)
    assert_one_sentence(text)
    assert "did not answer in time" in text and stub_env.url in text
    assert elapsed < 1 + 3
    assert len(hung_calls(stub_env)) == 1  # a hung endpoint fails once; only throttling is retried
    assert_no_secrets(text, secrets_of(stub_env))


def test_closed_port_is_one_sentence(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_backoff: None
) -> None:
    url = closed_url()
    aws_env.use_sts(url)
    p = provider(use_config(monkeypatch, tmp_path, SIDE_PROJECT))
    with pytest.raises(AwsError) as caught:
        p.credentials(account(p))
    text = str(caught.value)
    assert_one_sentence(text)
    assert text == f"could not connect to AWS STS at {url}; check your network"
    assert_no_secrets(text, secrets_of())


def test_no_primary_keys_is_one_sentence(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    aws_env.credentials_file.unlink()
    p = provider(use_config(monkeypatch, tmp_path, SIDE_PROJECT))
    with pytest.raises(AwsError) as caught:
        p.credentials(account(p))
    assert_one_sentence(str(caught.value))
    assert "no AWS credentials found" in str(caught.value)


def test_unknown_primary_profile_is_a_usage_error(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    p = provider(
        use_config(monkeypatch, tmp_path, SIDE_PROJECT.replace("[primary]", '[primary]\nprofile = "nope"'))
    )
    with pytest.raises(UsageError) as caught:
        p.credentials(account(p))
    assert_one_sentence(str(caught.value))
    assert "'nope'" in str(caught.value)
