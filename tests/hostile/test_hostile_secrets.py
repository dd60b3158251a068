"""Class 1: no output, log line, traceback or exception text carries a secret, whatever the server sends."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from kit import assert_nothing_of, trayapp
from support.servers import PRIMARY_SECRET_ACCESS_KEY, AwsEnv, Delivery, FederationStub, StsFaultStub

from trayapp.core.redact import RedactingFilter, redact

SIDE = """
[primary]
region = "eu-west-1"

[[account]]
name = "side"
display_name = "Side"
account_id = "444455556666"
role_name = "admin"
"""
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEJr//////////wEaDEXAMPLEtokenAbC123+xYz=="


def issued_secrets(sts_stub: StsFaultStub) -> list[str]:
    found = [PRIMARY_SECRET_ACCESS_KEY]
    for creds in sts_stub.issued:
        found += [creds.secret_access_key, creds.session_token]
    return found


HOSTILE_BODIES = {
    "xml cut inside the key": f"<AssumeRoleResponse><Credentials><SecretAccessKey>{SECRET[:25]}",
    "xml cut inside the token": f"<SecretAccessKey>{SECRET}</SecretAccessKey><SessionToken>{TOKEN[:30]}",
    "json": f'{{"SecretAccessKey": "{SECRET}", "SessionToken": "{TOKEN}"}}',
    "json escaped in a repr": f'{{\\"sessionKey\\": \\"{SECRET}\\"}}',
    "python dict repr": f"{{'SecretAccessKey': '{SECRET}', 'TokenCode': '123456'}}",
    "bytes header": f"'X-Amz-Security-Token': b'{TOKEN}'",
    "html": f"<html><body><p>Error</p><pre>{SECRET}</pre><i>{TOKEN}</i></body></html>",
    "sign-in url": f"https://signin.aws.amazon.com/federation?Action=login&SigninToken={TOKEN}&Destination=x",
    "getSigninToken url": f"/federation?Action=getSigninToken&Session=%7B%22sessionKey%22%3A%22{SECRET}%22%7D",
    "ini": f"aws_secret_access_key = {SECRET}\naws_session_token={TOKEN}",
    "environment": f"AWS_SECRET_ACCESS_KEY={SECRET} AWS_SESSION_TOKEN={TOKEN}",
    "huge": "<x>" + "A" * 100_000 + f"<SecretAccessKey>{SECRET}</SecretAccessKey>" + "B" * 100_000,
}


@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_redact_hides_every_shape_of_secret(body: str) -> None:
    out = redact(body)
    assert_nothing_of(out, [SECRET, TOKEN, "123456"])


@pytest.mark.parametrize(
    "harmless",
    [
        "arn:aws:iam::444455556666:role/ops/admin",
        "Could not assume role in Side: access denied",
        "ASIAEXAMPLE000000001",
        "cache key 0123456789abcdef0123456789abcdef01234567",
        "eu-west-1",
        "2026-01-02T03:04:05Z",
    ],
)
def test_redact_keeps_what_is_not_secret(harmless: str) -> None:
    assert redact(harmless) == harmless


def test_the_filter_redacts_messages_arguments_and_tracebacks() -> None:
    record = logging.LogRecord(
        "botocore.parsers", logging.DEBUG, __file__, 1, "Response body:\n%r", (SECRET,), None
    )
    try:
        raise ValueError(f"bad body <SessionToken>{TOKEN}")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert RedactingFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "ValueError" in text and "Response body" in text
    assert_nothing_of(text, [SECRET, TOKEN])


def test_any_logger_and_any_thread_goes_through_the_redaction(tmp_path: Path) -> None:
    code = f"""
import logging, threading
from trayapp.core.redact import configure_logging
configure_logging(debug=True)
logging.getLogger("botocore.endpoint").warning("Response body: <SecretAccessKey>{SECRET}</SecretAccessKey>")
logging.getLogger("trayapp.x").debug("token=%s", "{TOKEN}")
def boom():
    raise RuntimeError("<SessionToken>{TOKEN}")
t = threading.Thread(target=boom); t.start(); t.join()
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False
    )
    assert "Response body" in done.stderr and "RuntimeError" in done.stderr and "worker thread" in done.stderr
    assert_nothing_of(done.stdout + done.stderr, [SECRET, TOKEN])


# -- real: the STS stub sends cut-off, HTML and huge answers to trayapp --debug -------------------------


@pytest.mark.parametrize("keep", [200, 420, 520, 700], ids=lambda k: f"cut-at-{k}")
def test_debug_never_prints_a_truncated_sts_answer(
    aws_env: AwsEnv, sts_stub: StsFaultStub, side: Path, keep: int
) -> None:
    aws_env.use_sts(sts_stub.url)
    sts_stub.set_delivery(Delivery("truncate", keep=keep))
    done = trayapp("--debug", "creds", "side")
    assert done.returncode == 1, done.stderr
    assert sts_stub.issued, "the stub issued keys (and sent part of them)"
    assert "cannot be read (cut off or not XML)" in done.stderr, done.stderr
    assert_nothing_of(done.stdout + done.stderr, issued_secrets(sts_stub))


def test_debug_never_prints_a_connection_cut_mid_answer(
    aws_env: AwsEnv, sts_stub: StsFaultStub, side: Path
) -> None:
    aws_env.use_sts(sts_stub.url)
    sts_stub.set_delivery(Delivery("truncate", keep=480, honest_length=False))
    done = trayapp("--debug", "creds", "side")
    assert done.returncode == 1
    assert_nothing_of(done.stdout + done.stderr, issued_secrets(sts_stub))


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (f"<html><body><h1>Proxy error</h1><pre>{SECRET} {TOKEN}</pre></body></html>".encode(), "text/html"),
        (b"<AssumeRoleResponse>" + b"x" * 3_000_000 + f"<SecretAccessKey>{SECRET}".encode(), "text/xml"),
        (f'{{"SecretAccessKey": "{SECRET}"'.encode(), "application/json"),
        (bytes(range(256)) * 10 + SECRET.encode(), "application/octet-stream"),
    ],
    ids=["html", "huge", "json", "binary"],
)
def test_debug_never_prints_a_hostile_sts_body(
    aws_env: AwsEnv, sts_stub: StsFaultStub, side: Path, body: bytes, kind: str
) -> None:
    aws_env.use_sts(sts_stub.url)
    sts_stub.set_delivery(None, body=body, content_type=kind)
    done = trayapp("--debug", "creds", "side")
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert_nothing_of(done.stdout + done.stderr, [SECRET, TOKEN, PRIMARY_SECRET_ACCESS_KEY])


@pytest.mark.parametrize("keep", [5, 30, 60], ids=lambda k: f"cut-at-{k}")
def test_debug_never_prints_a_truncated_signin_answer(
    aws_env: AwsEnv, sts_stub: StsFaultStub, federation_stub: FederationStub, side: Path, keep: int
) -> None:
    aws_env.use_sts(sts_stub.url)
    federation_stub.deliver_next(Delivery("truncate", keep=keep))
    done = trayapp("--debug", "url", "side", "--signed")
    assert done.returncode == 1, done.stderr
    assert "sign-in" in done.stderr
    leaked = issued_secrets(sts_stub) + federation_stub.tokens_issued
    assert_nothing_of(done.stdout + done.stderr, leaked)


@pytest.mark.parametrize("debug", [[], ["--debug"]], ids=["plain", "debug"])
def test_an_sts_error_echoing_secrets_is_shown_without_them(
    aws_env: AwsEnv, sts_stub: StsFaultStub, side: Path, debug: list[str]
) -> None:
    from support.servers import StsFault

    aws_env.use_sts(sts_stub.url)
    echo = f"Request had SecretAccessKey={SECRET} and X-Amz-Security-Token: {TOKEN} key {PRIMARY_SECRET_ACCESS_KEY}"
    sts_stub.set_fault(StsFault(400, "WeirdError", echo))
    done = trayapp(*debug, "creds", "side")
    assert done.returncode == 1
    assert "AWS said WeirdError" in done.stderr
    assert_nothing_of(done.stdout + done.stderr, [SECRET, TOKEN, PRIMARY_SECRET_ACCESS_KEY])


def test_the_sign_in_link_is_shown_only_by_url_signed(
    aws_env: AwsEnv, sts_stub: StsFaultStub, federation_stub: FederationStub, side: Path, tmp_path: Path
) -> None:
    """``open --signed`` hands the link over a loopback redirect; only ``url --signed`` prints it, on request."""
    from sessions_kit import BrowserRecorder

    aws_env.use_sts(sts_stub.url)
    recorder = BrowserRecorder(tmp_path)
    opened = trayapp("--debug", "open", "side", "--signed", env={"BROWSER": recorder.browser})
    assert opened.returncode == 0, opened.stderr
    [entry] = recorder.entries()
    assert entry["argv"][0].startswith("http://127.0.0.1:") and entry["status"] == 302
    token = federation_stub.tokens_issued[-1]
    assert token in entry["location"], "the browser got the link through the redirect"
    assert_nothing_of(
        opened.stdout + opened.stderr + " ".join(entry["argv"]), [token, *issued_secrets(sts_stub)]
    )
    printed = trayapp("url", "side", "--signed")
    assert printed.returncode == 0 and printed.stderr == ""
    assert federation_stub.tokens_issued[-1] in printed.stdout, "url --signed prints the link, as asked"
    assert_nothing_of(printed.stdout, issued_secrets(sts_stub))
