"""The cache-hit fast path of ``trayapp creds`` against the reference: the full command line.

For every config and command line here, the fast path either declines (None: the full command
line runs) or prints exactly the bytes the full command line prints, with exit 0. No network:
sessions are put in the real file cache under the key ``SessionProvider.cache_key`` computes.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from trayapp import cli, fastpath
from trayapp.cli.parser import build_parser
from trayapp.core import cache, config, fastconfig, model
from trayapp.core.cache import CachedSession, FileCache, sessions_dir
from trayapp.core.model import RoleCredentials
from trayapp.core.sessions import SessionProvider

FORMATS = model.CREDENTIAL_FORMATS
LATER = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

BASE = """
[primary]
region = "eu-west-1"
profile = "personal"
mfa_serial = "arn:aws:iam::111122223333:mfa/george"

[settings]
credential_format = "json"
browser = "firefox -P work {url}"

[[account]]
name = "side-project"
display_name = "Side project"
account_id = "4444-5555-6666"
role_name = "/ops/admin/"
region = "eu-central-1"
color = "#2E7D32"
group = "Personal"

[[account]]
display_name = "Production"
role_arn = "arn:aws:iam::777788889999:role/ops/admin"
external_id = "acme-7f3a"
duration = "1h30m"
destination = "cloudwatch"
mfa_serial = "arn:aws:iam::111122223333:mfa/other"
role_session_name = "george.s"

[[account]]
name = "gov"
account_id = "123456789012"
role_name = "gov-admin"
region = "us-gov-west-1"
duration = 7200

[[account]]
role_arn = "arn:aws-cn:iam::210987654321:role/dev"
"""

LINK = """
[[account]]
link = "https://signin.aws.amazon.com/switchrole?account=123456789012&roleName=dev&displayName=Dev%20box&color=83d4e8"
"""

# Each breaks one rule of trayapp.core.config: the reference refuses the config (exit 2).
BROKEN = [
    BASE.replace('region = "eu-west-1"', 'regoin = "eu-west-1"'),
    BASE.replace('region = "eu-west-1"', 'region = "Europe"'),
    BASE.replace('profile = "personal"', "profile = 3"),
    BASE.replace('credential_format = "json"', 'credential_format = "yaml"'),
    BASE.replace('browser = "firefox -P work {url}"', 'browser = "firefox \'unclosed"'),
    BASE.replace('browser = "firefox -P work {url}"', 'browser = "  "'),
    BASE.replace('account_id = "4444-5555-6666"', "account_id = 444455556666"),
    BASE.replace('role_name = "/ops/admin/"', 'role_name = "ops/ad min"'),
    BASE.replace('color = "#2E7D32"', 'color = "green"'),
    BASE.replace('group = "Personal"', 'group = "a\\u202eb"'),
    BASE.replace('duration = "1h30m"', 'duration = "13h"'),
    BASE.replace('destination = "cloudwatch"', 'destination = "//evil"'),
    BASE.replace('external_id = "acme-7f3a"', 'external_id = "x"'),
    BASE.replace('role_session_name = "george.s"', 'role_session_name = "a/b"'),
    BASE.replace(':role/dev"', ':role/dev"\nregion = "eu-west-2"'),
    BASE.replace('name = "gov"', 'name = "side-project"'),
    BASE.replace('name = "gov"', 'name = "-gov"'),
    BASE + '\n[[account]]\naccount_id = "123456789012"\n',
    BASE + '\n[[account]]\nrole_arn = "arn:aws:iam::777788889999:role/x"\naccount_id = "777788889999"\n',
    BASE + "\n[extra]\n",
    BASE + "\naccount = 3\n",
    BASE + LINK.replace("roleName=dev", "roleName=de v"),
    BASE.replace("[settings]", "[settings]\nclipboard_clear_seconds = true"),
    BASE.replace("[settings]", "[settings]\naws_config_profiles = 1"),
    BASE.replace("[primary]", "primary = 1\n[primary0]"),
    "\ufeff" + BASE,
    BASE + "\nnot toml\n",
]

# Valid configs the fast path must answer from (not only decline).
ANSWERED = [
    BASE,
    BASE + LINK,
    BASE.replace("[settings]", '[settings]\nsession_cache = "file"\naws_config_profiles = false'),
    "[[account]]\naccount_id = '444455556666'\nrole_name = 'admin'\nname = 'side-project'\n",
]


def put_sessions(cfg: model.Config, expiration: str = LATER) -> None:
    """A cached session for every account, under the key the AWS engine computes."""
    provider = SessionProvider(cfg, FileCache(sessions_dir()), prompt=lambda *a: None, environ=os.environ)
    for n, account in enumerate(cfg.accounts):
        creds = RoleCredentials(f"ASIA{n:016d}", f"secret'{n}$/+", f"token{n}", expiration)
        FileCache(sessions_dir()).put(
            provider.cache_key(account), CachedSession(account.name, account.role_arn, creds)
        )


def reference(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue()


def fast(argv: list[str]) -> tuple[int | None, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = fastpath.answer(argv)
    return code, out.getvalue()


def use(text: str) -> Path:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "trayapp" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def agree(argv: list[str]) -> int | None:
    """Run both; the fast path declines or prints what the reference prints. Returns the fast path's code."""
    code, text = fast(argv)
    if code is not None:
        assert (code, text) == reference(argv), argv
    return code


@pytest.mark.parametrize("text", ANSWERED, ids=range(len(ANSWERED)))
def test_valid_configs_are_answered_byte_for_byte_in_every_format(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = use(text)
    cfg = config.load_config(path)
    put_sessions(cfg)
    for account in cfg.accounts:
        for fmt in FORMATS:
            assert agree(["creds", account.name, "--format", fmt]) == 0, (account.name, fmt)
        assert agree(["creds", account.name]) == 0  # sh, whatever credential_format says


@pytest.mark.parametrize(
    "env",
    [
        {"AWS_PROFILE": "work"},
        {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"},
        {"AWS_PROFILE": "work", "AWS_ACCESS_KEY_ID": "x"},
    ],
)
def test_the_key_follows_the_environment_like_the_aws_engine(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = use(ANSWERED[3])
    put_sessions(config.load_config(path))
    assert agree(["creds", "side-project"]) == 0
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert fast(["creds", "side-project"]) == (None, "")  # another source identity: another session
    put_sessions(config.load_config(path))
    assert agree(["creds", "side-project"]) == 0


@pytest.mark.parametrize("text", BROKEN, ids=range(len(BROKEN)))
def test_a_config_the_reference_refuses_is_never_answered(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = use(BASE)
    put_sessions(config.load_config(path))
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    for name in ("side-project", "production", "gov", "dev"):
        assert reference(["creds", name, "-f", "credential-process"])[0] == 2
        assert fast(["creds", name, "-f", "credential-process"]) == (None, "")


def test_what_the_fast_path_cannot_vouch_for_goes_to_the_full_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = use(BASE)
    cfg = config.load_config(path)
    put_sessions(cfg)
    declined = [
        ["creds", "Side project"],  # a display name: matching may involve ~/.aws/config
        ["creds", "SIDE-PROJECT"],
        ["creds", "444455556666"],
        ["creds", " side-project"],
        ["creds", "side-project", "--copy"],
        ["creds", "side-project", "--mfa-code", "123456"],
        ["creds", "side-project", "--debug"],
        ["creds", "side-project", "--form", "json"],
        ["creds", "side-project", "-f", "yaml"],
        ["creds", "side-project", "-f", "json", "--format", "sh"],
        ["creds", "side-project", "gov"],
        ["creds", "side-project", "--"],
        ["creds"],
        ["list"],
        ["url", "side-project"],
        ["--version"],
        [],
    ]
    for argv in declined:
        assert fast(argv) == (None, ""), argv
    path.write_text(textwrap.dedent(BASE).replace("[settings]", '[settings]\nsession_cache = "memory"'))
    assert fast(["creds", "side-project"]) == (None, "")


def test_command_lines_are_read_as_argparse_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other.toml"
    other.write_text(textwrap.dedent(BASE), encoding="utf-8")
    put_sessions(config.load_config(other))
    for argv in (
        ["creds", "gov", "-f", "fish"],
        ["creds", "gov", "-fdotenv"],
        ["creds", "gov", "--format=cmd"],
        ["creds", "-f", "json", "gov"],
        ["--config", str(other), "creds", "gov"],
        ["creds", "gov", f"--config={other}", "--format", "powershell"],
    ):
        request = fastpath.parse_argv(argv)
        assert request is not None, argv
        parsed = build_parser().parse_args(argv)
        assert (request.name, request.fmt, request.config) == (
            parsed.name,
            parsed.format or "sh",
            getattr(parsed, "config", None),
        )
        if request.config is None:
            monkeypatch.setenv("TRAYAPP_CONFIG", str(other))
        assert agree(argv) == 0, argv
        monkeypatch.delenv("TRAYAPP_CONFIG", raising=False)


def cache_file(cfg: model.Config, name: str) -> Path:
    account = next(a for a in cfg.accounts if a.name == name)
    key = SessionProvider(cfg, FileCache(sessions_dir()), prompt=lambda *a: None).cache_key(account)
    return sessions_dir() / f"{key}.json"


def test_stale_foreign_or_damaged_sessions_are_left_to_the_full_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = use(BASE)
    cfg = config.load_config(path)
    soon = (datetime.now(UTC) + timedelta(minutes=14)).strftime("%Y-%m-%dT%H:%M:%SZ")
    put_sessions(cfg, expiration=soon)
    argv = ["creds", "gov", "-f", "credential-process"]
    assert fast(argv) == (None, "")  # 14 minutes left: the AWS CLI's refresh margin says renew
    put_sessions(cfg)
    target = cache_file(cfg, "gov")
    good = target.read_text()
    assert agree(argv) == 0
    for damage in (
        lambda: target.chmod(0o644),
        lambda: target.write_text(good.replace('"key"', '"kee"')),
        lambda: target.write_text(good.replace('"version": 1', '"version": 2')),
        lambda: target.write_text(good[:-5]),
        lambda: target.write_text(good.replace('"expiration"', '"expiry"')),
        lambda: target.write_text(good.replace(LATER, LATER[:-1])),
        lambda: target.write_text(good.replace('"expiration"', '"extra": "x",\n  "expiration"')),
        lambda: target.write_text(
            good.replace('"access_key_id": "ASIA0000000000000002"', '"access_key_id": 2')
        ),
        lambda: target.unlink(),
    ):
        target.write_text(good)
        target.chmod(0o600)
        damage()
        before = sorted(p.name for p in sessions_dir().iterdir())
        assert fast(argv) == (None, "")
        assert (
            sorted(p.name for p in sessions_dir().iterdir()) == before
        )  # nothing moved: that is the CLI's job


def test_rules_and_constants_are_the_references() -> None:
    assert fastconfig.CREDENTIAL_FORMATS == model.CREDENTIAL_FORMATS
    assert fastconfig.CONSOLE_MODES == model.CONSOLE_MODES
    assert fastconfig.SESSION_CACHES == model.SESSION_CACHES
    for name in ("NAME", "SERVICE", "CONTROL"):
        assert getattr(fastconfig, name).pattern == getattr(config, name).pattern
    assert set(fastconfig.TOP_KEYS) <= set(config.TOP_KEYS)
    assert set(fastconfig.PRIMARY_KEYS) <= set(config.PRIMARY_KEYS)
    assert set(fastconfig.SETTINGS_KEYS) <= set(config.SETTINGS_KEYS)
    assert set(fastconfig.ACCOUNT_KEYS) <= set(config.ACCOUNT_KEYS)
    assert fastpath.REFRESH_MARGIN == cache.REFRESH_MARGIN
    assert fastpath.CACHE_VERSION == cache.FORMAT_VERSION


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"XDG_CONFIG_HOME": "relative/dir", "XDG_CACHE_HOME": ""},
        {"XDG_CONFIG_HOME": "/abs/cfg/", "XDG_CACHE_HOME": "/abs/cache"},
        {"HOME": "/home/someone/"},
        {"HOME": "/"},
    ],
)
def test_folders_are_where_platformdirs_puts_them(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.delenv("XDG_CACHE_HOME")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert fastpath.config_file(None, os.environ) == str(config.default_config_path())
    assert os.path.join(str(fastpath.user_dir("XDG_CACHE_HOME", ".cache", os.environ)), "sessions") == str(
        sessions_dir()
    )


def test_a_cache_hit_imports_no_boto3_botocore_argparse_or_model(tmp_path: Path) -> None:
    """python -X importtime on the real entry point: what the fast path loads, and that it answered."""
    path = use(BASE)
    put_sessions(config.load_config(path))

    def imports(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
        done = subprocess.run(
            [sys.executable, "-X", "importtime", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        lines = done.stderr.splitlines()
        return done, {line.split("|")[-1].strip() for line in lines if line.startswith("import time:")}

    _, at_start = imports("-c", "pass")  # site's own (an editable install's finder imports pathlib, urllib)
    done, seen = imports("-m", "trayapp", "creds", "gov", "--format", "credential-process")
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["AccessKeyId"] == "ASIA0000000000000002"
    imported = seen - at_start
    assert "trayapp.fastpath" in imported
    roots = {name.split(".")[0] for name in imported}
    for heavy in ("boto3", "botocore", "argparse", "logging", "dataclasses", "platformdirs", "urllib"):
        assert heavy not in roots, heavy
    for module in ("trayapp.cli", "trayapp.core.model", "trayapp.core.config", "trayapp.core.sessions"):
        assert module not in imported, module
    done, seen = imports("-m", "trayapp", "--version")
    assert done.returncode == 0 and "trayapp.fastpath" not in seen  # other commands never load it


def test_a_value_the_format_refuses_is_left_to_the_full_command_line() -> None:
    """cmd cannot carry a percent sign: the fast path prints nothing and the CLI says why (exit 1)."""
    path = use(BASE)
    cfg = config.load_config(path)
    provider = SessionProvider(cfg, FileCache(sessions_dir()), prompt=lambda *a: None)
    account = cfg.accounts[0]
    creds = RoleCredentials("ASIA0000000000000009", "secret%PATH%", "token", LATER)
    FileCache(sessions_dir()).put(
        provider.cache_key(account), CachedSession(account.name, account.role_arn, creds)
    )
    argv = ["creds", account.name, "--format", "cmd"]
    assert fast(argv) == (None, "")
    assert reference(argv) == (1, "")
    assert (
        agree(["creds", account.name, "--format", "sh"]) == 0
    )  # the same session in a format that can carry it
