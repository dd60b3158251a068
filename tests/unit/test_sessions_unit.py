"""SessionProvider without a network: names, cache keys, duration caps, MFA prompts, error sentences."""

from __future__ import annotations

import io
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from trayapp.core.awscall import THROTTLE_ATTEMPTS
from trayapp.core.cache import CachedSession, MemoryCache
from trayapp.core.errors import AwsError, TrayappError, UsageError
from trayapp.core.model import Account, Config, Primary, RoleCredentials
from trayapp.core.sessions import (
    CHAINING_CAP,
    LOOKUP_GUARD,
    PRIMARY_LOOKUP,
    SELF_SOURCE,
    Cancelled,
    Identity,
    LookupGuard,
    SessionProvider,
    explain,
    scrub,
    session_name_from,
)
from trayapp.core.signin import session_duration
from trayapp.core.stserrors import CodeProblem
from trayapp.platforms import prompts
from trayapp.platforms.prompts import CodeOption, DialogPrompt, TerminalPrompt, choose_prompt

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SERIAL = "arn:aws:iam::111122223333:mfa/george"
ACCOUNT = Account(name="side", display_name="Side project", account_id="444455556666", role_name="ops/admin")


def config(**primary: Any) -> Config:
    return Config(path=Path("/nowhere.toml"), exists=True, primary=Primary(**primary), accounts=(ACCOUNT,))


def provider(
    cfg: Config | None = None, prompt: Any = None, clock: Any = None, environ: dict[str, str] | None = None
) -> SessionProvider:
    return SessionProvider(
        cfg or config(),
        MemoryCache(),
        prompt or (lambda *a: "123456"),
        clock=clock or (lambda: NOW),
        environ=environ if environ is not None else {},
    )


def cached_session(expires: datetime) -> CachedSession:
    return CachedSession(
        account=ACCOUNT.name,
        role_arn=ACCOUNT.role_arn,
        credentials=RoleCredentials(
            "ASIAEXAMPLE000000001", "sec", "tok", expires.strftime("%Y-%m-%dT%H:%M:%SZ")
        ),
    )


# -- names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "name"),
    [
        ("george", "george"),
        ("george.w+ops@example.com", "george.w+ops@example.com"),
        ("ops/george", "ops-george"),
        ("assumed-role/admin/george", "assumed-role-admin-george"),
        ("George O'Neil", "George-O-Neil"),
        ("Jörg", "J-rg"),
        ("x", "trayapp"),
        ("//", "trayapp"),
        ("a" * 80, "a" * 64),
    ],
)
def test_session_name_is_valid_and_never_has_a_slash(user: str, name: str) -> None:
    assert session_name_from(user) == name
    assert "/" not in name and 2 <= len(name) <= 64


@pytest.mark.parametrize(
    ("arn", "user"),
    [
        ("arn:aws:iam::123456789012:user/george", "george"),
        ("arn:aws:iam::123456789012:user/dev/team/george", "george"),
        ("arn:aws:iam::123456789012:root", "root"),
    ],
)
def test_identity_user_name(arn: str, user: str) -> None:
    assert Identity(arn, "123456789012").user_name == user


def test_primary_label_names_the_session_without_calling_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    p = provider(config(label="George / ops"))
    monkeypatch.setattr(p, "identity", lambda *a: pytest.fail("no GetCallerIdentity when a label is set"))
    assert p.session_name(ACCOUNT) == "George---ops"


def test_failing_identity_falls_back_to_trayapp(monkeypatch: pytest.MonkeyPatch) -> None:
    p = provider()

    def boom(*args: Any) -> Identity:
        raise AwsError("no")

    monkeypatch.setattr(p, "identity", boom)
    assert p.session_name(ACCOUNT) == "trayapp"


# -- cache keys --------------------------------------------------------------------------------------


def test_cache_key_changes_with_everything_that_changes_the_session() -> None:
    base = provider()
    key = base.cache_key(ACCOUNT)
    assert len(key) == 40 and set(key) <= set("0123456789abcdef")  # a file name: 40 hex digits
    assert provider().cache_key(ACCOUNT) == key  # stable across processes
    variants = [
        replace(ACCOUNT, external_id="ext-1"),
        replace(ACCOUNT, external_id="ext-2"),
        replace(ACCOUNT, duration_seconds=7200),
        replace(ACCOUNT, duration_seconds=3600),
        replace(ACCOUNT, role_name="ops/reader"),
        replace(ACCOUNT, mfa_serial=SERIAL),
        replace(ACCOUNT, role_session_name="other"),
    ]
    keys = {base.cache_key(a) for a in variants}
    keys |= {
        provider(config(mfa_serial=SERIAL + "-primary")).cache_key(ACCOUNT),
        provider(config(profile="work")).cache_key(ACCOUNT),
        provider(environ={"AWS_PROFILE": "other"}).cache_key(ACCOUNT),
        provider(environ={"AWS_ACCESS_KEY_ID": "AKIAOTHER"}).cache_key(ACCOUNT),
    }
    assert len(keys | {key}) == len(variants) + 4 + 1
    # The same MFA device from the account or from [primary] is the same session.
    same = replace(ACCOUNT, mfa_serial=SERIAL)
    assert provider(config(mfa_serial=SERIAL)).cache_key(ACCOUNT) == base.cache_key(same)


def test_cache_key_holds_no_secret() -> None:
    p = provider(environ={"AWS_ACCESS_KEY_ID": "AKIAX", "AWS_SECRET_ACCESS_KEY": "topsecret"})
    assert "topsecret" not in p.cache_key(ACCOUNT)


def test_fresh_cached_session_is_served_without_boto3(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [NOW]
    p = provider(clock=lambda: now[0])
    fresh = cached_session(NOW + timedelta(hours=1))
    p.cache.put(p.cache_key(ACCOUNT), fresh)
    monkeypatch.setattr(p, "boto_session", lambda *a: pytest.fail("no AWS call on a cache hit"))
    assert p.credentials(ACCOUNT) == fresh
    now[0] = NOW + timedelta(minutes=46)  # 14 minutes left: due for refresh
    assert p.cached(ACCOUNT) is None


# -- durations, MFA serials, regions ------------------------------------------------------------------


def test_duration_and_the_chaining_cap() -> None:
    p = provider()
    plain = replace(ACCOUNT, duration_seconds=43200)
    chained = replace(ACCOUNT, duration_seconds=43200, chained=True)
    short_chained = replace(ACCOUNT, duration_seconds=1800, chained=True)
    assert p.duration(plain) == 43200
    assert p.duration(chained) == CHAINING_CAP == 3600
    assert p.duration(short_chained) == 1800
    assert p.duration(ACCOUNT) is None
    # AssumeRole with temporary source keys (aws_session_token) is capped at 1 hour too.
    assert p.duration(plain, temporary_source=True) == CHAINING_CAP
    assert p.duration(short_chained, temporary_source=True) == 1800


def test_a_credential_process_that_runs_trayapp_is_not_started_again() -> None:
    """A nested trayapp asked for an account its parent is already looking up stops at once."""

    class Session:
        def get_credentials(self) -> Any:
            raise AssertionError("must not look up credentials again")

    nested = provider(environ={LOOKUP_GUARD: "\n".join([PRIMARY_LOOKUP, "side-project"])})
    with pytest.raises(UsageError) as caught:
        nested.source_credentials(Session(), "side-project")
    assert str(caught.value) == SELF_SOURCE and "\n" not in SELF_SOURCE


class Frozen:
    access_key, secret_key, token = "AKIAX", "s", None


class FastSession:
    """Records the guard's names a credential_process would get while botocore looks up keys."""

    def __init__(self, guard: LookupGuard) -> None:
        self.guard = guard
        self.seen: list[str | None] = []

    def get_component(self, name: str) -> Any:
        return type("Resolver", (), {"providers": []})()  # no provider to arm: the names are read below

    def get_credentials(self) -> Any:
        self.seen.append(self.guard.child_environ().get(LOOKUP_GUARD))
        return type("C", (), {"get_frozen_credentials": lambda self: Frozen()})()


def test_a_nested_trayapp_asked_for_another_account_goes_on() -> None:
    """A role profile whose source_profile is an exported profile: a chain, not a loop."""
    import os

    nested = provider(environ={LOOKUP_GUARD: "staging"})
    session = FastSession(nested.guard)
    assert nested.source_credentials(session, "side-project").access_key == "AKIAX"
    assert session.seen == ["staging\nside-project"]  # passed on to any process it starts
    assert nested.guard.child_environ()[LOOKUP_GUARD] == "staging"  # and only the inherited names after
    assert LOOKUP_GUARD not in os.environ  # the process-wide environ is never written


def test_the_lookup_guard_is_set_only_during_the_lookup() -> None:
    top = provider()
    session = FastSession(top.guard)
    assert top.source_credentials(session).access_key == "AKIAX"
    assert session.seen == [PRIMARY_LOOKUP] and LOOKUP_GUARD not in top.guard.child_environ()


def test_two_lookups_at_once_in_one_process_are_not_mistaken_for_a_nested_trayapp() -> None:
    """The tray looks up keys for two accounts clicked together: neither may see the other's names."""
    import threading

    tray = provider()
    first_inside, release = threading.Event(), threading.Event()

    class SlowSession(FastSession):
        def get_credentials(self) -> Any:
            first_inside.set()
            release.wait(5)
            return super().get_credentials()

    slow_session = SlowSession(tray.guard)
    results: list[object] = []
    slow = threading.Thread(target=lambda: results.append(tray.source_credentials(slow_session, "a")))
    slow.start()
    assert first_inside.wait(5)
    fast_session = FastSession(tray.guard)
    second = tray.source_credentials(fast_session, "b")  # another account, at the same time
    same = tray.source_credentials(FastSession(tray.guard), "a")  # even the same name is ours, not a loop
    release.set()
    slow.join(5)
    assert second.access_key == same.access_key == "AKIAX" and len(results) == 1
    assert fast_session.seen == ["b"] and slow_session.seen == ["a"]  # each thread's children, its own names


def test_mfa_serial_sources() -> None:
    p = provider(config(mfa_serial=SERIAL))
    own = "arn:aws:iam::111122223333:mfa/own"
    assert p.mfa_serial(ACCOUNT) == SERIAL
    assert p.mfa_serial(replace(ACCOUNT, mfa_serial=own)) == own
    # An AWS CLI role profile keeps its own meaning: MFA only when the profile says so.
    aws_profile = replace(ACCOUNT, source="aws-config", source_profile="default")
    assert p.mfa_serial(aws_profile) is None


def test_sts_region_follows_the_role_partition() -> None:
    p = provider(config(region="eu-west-1"))
    assert p.sts_region(ACCOUNT) == "eu-west-1"
    gov = replace(ACCOUNT, partition="aws-us-gov", region="us-gov-west-1")
    assert p.sts_region(gov) == "us-gov-west-1"


def test_source_profile() -> None:
    p = provider(config(profile="work"))
    assert p.source_profile(ACCOUNT) == "work"
    aws_profile = replace(ACCOUNT, source="aws-config", source_profile="base")
    assert p.source_profile(aws_profile) == "base"


# -- MFA prompts -------------------------------------------------------------------------------------


class Answers:
    """A prompt that replays answers and records what it was told."""

    def __init__(self, *answers: str | None):
        self.answers = list(answers)
        self.problems: list[str | None] = []

    def __call__(self, serial: str, account: Account, problem: str | None) -> str | None:
        self.problems.append(problem)
        return self.answers.pop(0)


def test_ask_code_strips_and_validates() -> None:
    prompt = Answers("12345", "12a456", " 123456 \n")
    assert provider(prompt=prompt).ask_code(SERIAL, ACCOUNT, None) == "123456"
    assert prompt.problems == [None, CodeProblem.MALFORMED, CodeProblem.MALFORMED]
    assert all(p is None or p is CodeProblem.MALFORMED for p in prompt.problems)  # the member, not a sentence


def test_ask_code_gives_up_after_three_bad_entries() -> None:
    with pytest.raises(UsageError, match="6-digit"):
        provider(prompt=Answers("1", "2", "3")).ask_code(SERIAL, ACCOUNT, None)


def test_cancel_is_cancelled() -> None:
    with pytest.raises(Cancelled) as caught:
        provider(prompt=Answers(None)).ask_code(SERIAL, ACCOUNT, None)
    assert caught.value.exit_code == 1 and "cancelled" in str(caught.value)


def test_code_option_is_single_use() -> None:
    option = CodeOption("654321")
    assert option(SERIAL, ACCOUNT, None) == "654321"
    with pytest.raises(UsageError) as caught:
        option(SERIAL, ACCOUNT, CodeProblem.REJECTED)
    assert "--mfa-code" in str(caught.value) and "654321" not in str(caught.value)


def test_terminal_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    asked: list[str] = []

    def fake_getpass(text: str, stream: Any = None) -> str:
        asked.append(text)
        return "123456"

    monkeypatch.setattr(prompts.getpass, "getpass", fake_getpass)
    assert TerminalPrompt(stream)(SERIAL, ACCOUNT, "Try again.") == "123456"
    assert stream.getvalue() == "Try again.\n"
    assert asked == [f"MFA code for Side project ({SERIAL}): "]

    def interrupted(text: str, stream: Any = None) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(prompts.getpass, "getpass", interrupted)
    assert TerminalPrompt(stream)(SERIAL, ACCOUNT, None) is None


def test_dialog_prompt_reads_the_code_from_the_dialog_stdout(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def argv(text: str) -> list[str]:
        seen.append(text)
        return [sys.executable, "-c", "print('123456')"]

    monkeypatch.setattr(prompts, "dialog_argv", argv)
    assert DialogPrompt()(SERIAL, ACCOUNT, "Wrong code.") == "123456"
    assert seen[0].startswith("Wrong code.") and SERIAL in seen[0]
    monkeypatch.setattr(prompts, "dialog_argv", lambda text: [sys.executable, "-c", "raise SystemExit(1)"])
    assert DialogPrompt()(SERIAL, ACCOUNT, None) is None  # the user pressed Cancel
    monkeypatch.setattr(prompts, "dialog_argv", lambda text: ["/nonexistent/dialog"])
    with pytest.raises(TrayappError, match="could not show the MFA prompt"):
        DialogPrompt()(SERIAL, ACCOUNT, None)  # no dialog at all is an error, not a cancel


def test_choose_prompt() -> None:
    assert isinstance(choose_prompt("123456", interactive=True), CodeOption)
    assert isinstance(choose_prompt(None, interactive=True), TerminalPrompt)
    assert isinstance(choose_prompt(None, interactive=False), DialogPrompt)


# -- error sentences ---------------------------------------------------------------------------------


class FakeClient:
    class meta:
        region_name = "eu-west-1"
        endpoint_url = "https://sts.eu-west-1.amazonaws.com"


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        ("AccessDenied", "User x is not authorized", "access denied"),
        ("ExpiredToken", "expired", "have expired"),
        ("InvalidClientTokenId", "invalid", "does not recognise the primary access key"),
        ("SignatureDoesNotMatch", "Signature expired", "clock"),
        ("RegionDisabledException", "not activated", "not activated in eu-west-1"),
        ("ValidationError", "exceeds the 1 hour session limit for roles assumed by role chaining", "1 hour"),
        (
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration",
            "maximum session",
        ),
        ("Weird", "x" * 500, "AWS said Weird"),
    ],
)
def test_explain_is_one_sentence(code: str, message: str, expected: str) -> None:
    text = explain(code, message, ACCOUNT, FakeClient())
    assert text.startswith("Could not assume role in Side project: ")
    assert expected in text and "\n" not in text and len(text) < 400


def test_throttling_sentence_says_how_often_it_tried() -> None:
    assert f"tried {THROTTLE_ATTEMPTS} times" in explain(
        "Throttling", "Rate exceeded", ACCOUNT, FakeClient(), 4
    )
    text = explain("Throttling", "Rate exceeded", ACCOUNT, FakeClient(), 1)
    assert "tried" not in text and "try again in a minute" in text


def test_explain_without_an_account_is_about_the_primary() -> None:
    assert explain("AccessDenied", "", None, FakeClient()).startswith("Could not check the primary identity")


def test_scrub_hides_secrets() -> None:
    assert scrub("key topsecret code 123456", ["topsecret", "123456", None, "ab"]) == (
        "key [hidden] code [hidden]"
    )


# -- sign-in duration rule ---------------------------------------------------------------------------


def test_session_duration_only_for_direct_assume_role() -> None:
    long = replace(ACCOUNT, duration_seconds=7200)
    direct = cached_session(NOW)
    from_temporary = replace(direct, chained=True)
    assert session_duration(long, direct) == 7200
    assert session_duration(ACCOUNT, direct) is None
    assert session_duration(long, from_temporary) is None
    assert session_duration(replace(long, chained=True), direct) is None
