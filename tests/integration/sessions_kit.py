"""Helpers shared by the session tests (issue 3): a config file, the CLI as a subprocess,
secret and one-sentence checks, and a browser recorder for ``$BROWSER``.

Plain functions rather than fixtures, so the integration conftest stays as it is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from support.servers import PRIMARY_SECRET_ACCESS_KEY, FederationStub, StsFaultStub

from trayapp.core.config import load_config
from trayapp.core.model import Config

TRAYAPP = [sys.executable, "-m", "trayapp"]
MFA_SERIAL = "arn:aws:iam::123456789012:mfa/primary"
ROLE_ARN = "arn:aws:iam::444455556666:role/ops/admin"

SIDE_PROJECT = """
[primary]
region = "eu-west-1"

[[account]]
name = "side-project"
display_name = "Side project"
account_id = "444455556666"
role_name = "ops/admin"
region = "eu-central-1"
"""


def write_chained_profiles(aws_env: Any) -> None:
    """AWS profiles "base" (a role from the default keys) and "chained" (a role from base, asking 2 h)."""
    aws_env.write_config("base", role_arn="arn:aws:iam::555566667777:role/base", source_profile="default")
    aws_env.write_config(
        "chained",
        role_arn="arn:aws:iam::444455556666:role/deep",
        source_profile="base",
        duration_seconds=7200,
    )


def use_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> Path:
    """Write a trayapp config and point ``TRAYAPP_CONFIG`` at it (for this test only)."""
    path = tmp_path / "trayapp.toml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    monkeypatch.setenv("TRAYAPP_CONFIG", str(path))
    return path


def config_of(path: Path) -> Config:
    """The config as trayapp loads it (the AWS config's role profiles included)."""
    return load_config(path)


def run_trayapp(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m trayapp ARGS`` with this test's isolated environment; stdin is not a terminal."""
    return subprocess.run(
        [*TRAYAPP, *args],
        env={**os.environ, **(env or {})},
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_main(*args: str) -> subprocess.CompletedProcess[str]:
    """The same command line in this process (``trayapp.cli.main``), for the many small variants.

    Faster than a subprocess (boto3 is imported once); stdout and stderr are captured the same way.
    Not for ``exec`` (its child writes to the real stdout) nor ``$BROWSER`` (webbrowser reads it once).
    """
    import contextlib
    import io

    from trayapp import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return subprocess.CompletedProcess([*TRAYAPP, *args], code, out.getvalue(), err.getvalue())


def one_sentence(result: subprocess.CompletedProcess[str]) -> str:
    """The error of a failed command: one ``trayapp: ...`` line on stderr, nothing on stdout, no traceback."""
    assert result.stdout == "", result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("trayapp: "), result.stderr
    return lines[0].removeprefix("trayapp: ")


def assert_one_sentence(text: str) -> None:
    """An exception's message: one line, no traceback, short enough to read."""
    assert text and "\n" not in text, text
    assert "Traceback" not in text and len(text) < 400, text


def secrets_of(
    sts_stub: StsFaultStub | None = None,
    federation: FederationStub | None = None,
    extra: Iterable[str] = (),
) -> list[str]:
    """Every secret a test may have let out: the primary secret key, issued keys and tokens, sign-in tokens."""
    found = [PRIMARY_SECRET_ACCESS_KEY, *extra]
    if sts_stub is not None:
        for creds in sts_stub.issued:
            found += [creds.secret_access_key, creds.session_token]
    if federation is not None:
        found += federation.tokens_issued
    return [s for s in found if s]


def assert_no_secrets(text: str, secrets: Iterable[str]) -> None:
    for secret in secrets:
        assert secret not in text, "a secret leaked into the output"


def parse_sh(text: str) -> dict[str, str]:
    """The variables of ``creds --format sh`` output (single-quoted values, as trayapp writes them)."""
    found = {}
    for line in text.splitlines():
        if line.startswith(" export "):
            name, _, value = line.removeprefix(" export ").partition("=")
            assert value.startswith("'") and value.endswith("'"), line
            found[name] = value[1:-1].replace("'\\''", "'")
    return found


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


RECORDER = """\
import http.client, json, sys, urllib.parse
url = sys.argv[1]
entry = {"argv": sys.argv[1:]}
parts = urllib.parse.urlsplit(url)
if parts.scheme == "http" and parts.hostname == "127.0.0.1":
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", parts.path + ("?" + parts.query if parts.query else ""))
    answer = conn.getresponse()
    entry["status"] = answer.status
    entry["location"] = answer.getheader("Location")
    conn.close()
with open(LOG, "a", encoding="utf-8") as log:
    log.write(json.dumps(entry) + "\\n")
"""


class BrowserRecorder:
    """A ``$BROWSER`` script: records its argv, GETs a loopback URL without following redirects, records Location."""

    def __init__(self, folder: Path):
        self.log = folder / "browser.jsonl"
        self.script = folder / "record_browser.py"
        self.script.write_text(f"LOG = {str(self.log)!r}\n" + RECORDER, encoding="utf-8")

    @property
    def browser(self) -> str:
        return f"{sys.executable} {self.script} %s"

    def entries(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]
