"""The command line as a user runs it (``python -m trayapp``) against moto and the STS stub:
creds, exec, forget, back, the session cache, and every STS failure as one sentence."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sessions_kit import (
    MFA_SERIAL,
    SIDE_PROJECT,
    BrowserRecorder,
    assert_no_secrets,
    one_sentence,
    parse_sh,
    run_main,
    run_trayapp,
    secrets_of,
    use_config,
    write_chained_profiles,
)
from support.servers import AwsEnv, MotoServer, StsFaultStub, closed_url

from trayapp.core.cache import sessions_dir
from trayapp.core.state import StateStore

pytestmark = pytest.mark.aws

MFA_CONFIG = SIDE_PROJECT.replace("[primary]", f'[primary]\nmfa_serial = "{MFA_SERIAL}"')
ASSUMED = "arn:aws:sts::444455556666:assumed-role/admin/moto"
IDENTIFY = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])"


@pytest.fixture
def side_project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return use_config(monkeypatch, tmp_path, SIDE_PROJECT)


def cache_files() -> list[Path]:
    return sorted(sessions_dir().glob("*.json"))


def creds(*args: str, warning: str | None = None, in_process: bool = False) -> str:
    """``trayapp creds side-project ARGS``: its stdout; stderr must be empty, or hold just that warning.

    ``in_process=True`` runs the same command line in this process (faster, for the variants).
    """
    result = (run_main if in_process else run_trayapp)("creds", "side-project", *args)
    assert result.returncode == 0, result.stderr
    if warning is None:
        assert result.stderr == ""
    else:
        assert result.stderr.startswith("trayapp: WARNING: ") and warning in result.stderr
        assert len(result.stderr.splitlines()) == 1
    return result.stdout


# -- creds ---------------------------------------------------------------------------------------------


def test_creds_prints_working_sh_lines(aws_env: AwsEnv, moto: MotoServer, side_project: Path) -> None:
    text = creds()
    comment, *exports = text.splitlines()
    assert comment.startswith("# Side project: temporary credentials valid until ")
    assert comment.endswith("Z")
    assert exports and all(line.startswith(" export AWS_") for line in exports)
    values = parse_sh(text)
    assert list(values) == [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ]
    assert values["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert values["AWS_REGION"] == values["AWS_DEFAULT_REGION"] == "eu-central-1"
    assert comment.endswith(values["AWS_CREDENTIAL_EXPIRATION"])
    # The lines work: a shell that evaluates them is the role.
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", f'eval "$(cat)"; exec {sys.executable} -c "{IDENTIFY}"'],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ASSUMED


def test_creds_other_formats_hold_the_same_session(
    aws_env: AwsEnv, moto: MotoServer, side_project: Path
) -> None:
    key = parse_sh(creds(in_process=True))["AWS_ACCESS_KEY_ID"]
    for fmt in ("json", "credential-process", "dotenv", "fish", "powershell", "cmd"):
        out = creds("--format", fmt, in_process=True)
        assert key in out, fmt
        if fmt in ("json", "credential-process"):
            data = json.loads(out)
            assert data["AccessKeyId"] == key and data["Expiration"].endswith("Z")
            assert ("Version" in data) == (fmt == "credential-process")
    result = run_trayapp("creds", "side-project", "--format", "yaml")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_creds_with_mfa_code_sends_serial_and_code(
    aws_env: AwsEnv, sts_stub: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    aws_env.use_sts(sts_stub.url)
    sts_stub.mfa_code = "123456"
    use_config(monkeypatch, tmp_path, MFA_CONFIG)
    values = parse_sh(creds("--mfa-code", "123456"))
    (call,) = sts_stub.calls("AssumeRole")
    assert (call.form["SerialNumber"], call.form["TokenCode"]) == (MFA_SERIAL, "123456")
    assert values["AWS_ACCESS_KEY_ID"] == sts_stub.issued[0].access_key_id
    assert values["AWS_SESSION_TOKEN"] == sts_stub.issued[0].session_token
    # The session is cached: the next call needs no code at all.
    assert parse_sh(creds(in_process=True)) == values
    assert len(sts_stub.calls("AssumeRole")) == 1


def test_creds_with_a_wrong_mfa_code_is_one_sentence(
    aws_env: AwsEnv, sts_stub: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    aws_env.use_sts(sts_stub.url)
    sts_stub.mfa_code = "123456"
    use_config(monkeypatch, tmp_path, MFA_CONFIG)
    result = run_trayapp("creds", "side-project", "--mfa-code", "654321")
    assert result.returncode in (1, 2)
    sentence = one_sentence(result)
    assert "MFA code" in sentence and "not accepted" in sentence
    assert_no_secrets(result.stdout + result.stderr, secrets_of(sts_stub, extra=["654321"]))
    assert len(sts_stub.calls("AssumeRole")) == 1  # a single-use code is not sent twice
    assert cache_files() == []


def test_creds_without_a_terminal_or_a_display_says_how_to_give_the_code(
    aws_env: AwsEnv, sts_stub: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No terminal and no dialog that can open: one sentence pointing at --mfa-code, nothing is sent."""
    aws_env.use_sts(sts_stub.url)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + ":/usr/bin:/bin")
    use_config(monkeypatch, tmp_path, MFA_CONFIG)
    result = run_trayapp("creds", "side-project")
    assert result.returncode == 1
    sentence = one_sentence(result)
    assert sentence.startswith("could not show the MFA prompt") and "--mfa-code" in sentence
    assert sts_stub.calls("AssumeRole") == [] and cache_files() == []


# -- the session cache ---------------------------------------------------------------------------------


def test_second_creds_is_served_from_the_cache_without_the_server(
    aws_env: AwsEnv, moto: MotoServer, side_project: Path
) -> None:
    first = creds()
    moto.stop()
    assert creds() == first
    assert parse_sh(creds("--format", "sh"))["AWS_ACCESS_KEY_ID"] == parse_sh(first)["AWS_ACCESS_KEY_ID"]
    folder = sessions_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (entry,) = cache_files()
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    data = json.loads(entry.read_text())
    assert data["credentials"]["expiration"].endswith("Z")
    assert data["credentials"]["access_key_id"] == parse_sh(first)["AWS_ACCESS_KEY_ID"]
    assert data["account"] == "side-project"


@pytest.mark.parametrize("damage", ["corrupt", "mode-0644"])
def test_bad_cache_file_is_set_aside_not_served(
    aws_env: AwsEnv, moto: MotoServer, side_project: Path, damage: str
) -> None:
    first = parse_sh(creds(in_process=True))
    (entry,) = cache_files()
    if damage == "corrupt":
        entry.write_text('{"version": 1, "key": ')
    else:
        entry.chmod(0o644)
    second = parse_sh(creds(warning="set aside cache file"))
    assert second["AWS_ACCESS_KEY_ID"] != first["AWS_ACCESS_KEY_ID"]  # a new session, not the bad file
    aside = [p for p in sessions_dir().iterdir() if ".bad-" in p.name]
    assert len(aside) == 1 and aside[0].name.startswith(entry.stem)
    (fresh,) = cache_files()
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600


def test_forget_one_account_and_all(
    aws_env: AwsEnv, moto: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_config(
        monkeypatch,
        tmp_path,
        SIDE_PROJECT + '\n[[account]]\nname = "other"\naccount_id = "777788889999"\nrole_name = "reader"\n',
    )
    first = parse_sh(creds(in_process=True))
    assert run_main("creds", "other").returncode == 0
    assert len(cache_files()) == 2
    result = run_main("forget", "side-project")
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == "Forgot 1 cached session for Side project.\n"
    assert len(cache_files()) == 1
    assert parse_sh(creds(in_process=True))["AWS_ACCESS_KEY_ID"] != first["AWS_ACCESS_KEY_ID"]
    result = run_trayapp("forget")
    assert (result.returncode, result.stderr) == (0, "Forgot 2 cached sessions for every account.\n")
    assert cache_files() == []


def test_forget_also_drops_set_aside_files(aws_env: AwsEnv, moto: MotoServer, side_project: Path) -> None:
    creds(in_process=True)
    (entry,) = cache_files()
    entry.chmod(0o644)
    creds(warning="not private to this user")
    assert any(".bad-" in p.name for p in sessions_dir().iterdir())
    assert run_main("forget").returncode == 0
    assert [p for p in sessions_dir().iterdir() if p.suffix != ".lock"] == []  # lock files hold nothing


def test_chained_profile_cache_hit_is_quiet(
    aws_env: AwsEnv, sts_stub: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The 1-hour cap is said when a session is made, not on every cache hit (credential_process runs often)."""
    aws_env.use_sts(sts_stub.url)
    write_chained_profiles(aws_env)
    use_config(monkeypatch, tmp_path, "[primary]\n")
    first = run_trayapp("creds", "chained", "--format", "credential-process")
    assert first.returncode == 0, first.stderr
    assert "capped at 1 hour" in first.stderr and len(first.stderr.splitlines()) == 1
    assert sts_stub.calls("AssumeRole")[-1].form["DurationSeconds"] == "3600"
    again = run_trayapp("creds", "chained", "--format", "credential-process")
    assert (again.returncode, again.stdout, again.stderr) == (0, first.stdout, "")


def test_memory_cache_writes_nothing(
    aws_env: AwsEnv, moto: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, isolated_home: Path
) -> None:
    use_config(
        monkeypatch,
        tmp_path,
        SIDE_PROJECT.replace("[[account]]", '[settings]\nsession_cache = "memory"\n\n[[account]]'),
    )
    first = parse_sh(creds(in_process=True))
    assert parse_sh(creds())["AWS_ACCESS_KEY_ID"] != first["AWS_ACCESS_KEY_ID"]  # nothing kept between runs
    assert not (isolated_home / ".cache").exists()
    assert not sessions_dir().exists()


# -- exec ----------------------------------------------------------------------------------------------

SHOW_ENV = (
    "import os, sys; "
    "print(os.environ['AWS_ACCESS_KEY_ID']); print('AWS_PROFILE' in os.environ); "
    "print(os.environ['AWS_REGION']); print(os.environ['TRAYAPP_ACCOUNT']); sys.exit(7)"
)


def test_exec_runs_the_command_as_the_role_and_passes_its_exit_code_on(
    aws_env: AwsEnv, moto: MotoServer, side_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "default")
    result = run_trayapp("exec", "side-project", "--", sys.executable, "-c", SHOW_ENV)
    assert result.returncode == 7, result.stderr
    key, has_profile, region, name = result.stdout.split()
    assert key.startswith("ASIA") and has_profile == "False"
    assert (region, name) == ("eu-central-1", "side-project")
    result = run_trayapp("exec", "side-project", "--", sys.executable, "-c", IDENTIFY)
    assert (result.returncode, result.stdout.strip()) == (0, ASSUMED)
    assert parse_sh(creds())["AWS_ACCESS_KEY_ID"] == key  # the same cached session


def test_exec_unknown_command_is_exit_2(aws_env: AwsEnv, moto: MotoServer, side_project: Path) -> None:
    result = run_trayapp("exec", "side-project", "--", "no-such-command-trayapp")
    assert result.returncode == 2
    assert one_sentence(result) == "command not found: no-such-command-trayapp"


def test_exec_without_a_command_is_exit_2(side_project: Path) -> None:
    result = run_main("exec", "side-project")
    assert result.returncode == 2
    assert "nothing to run" in one_sentence(result)


# -- back ----------------------------------------------------------------------------------------------

BACK_CONFIG = SIDE_PROJECT.replace("[primary]", '[primary]\naccount_id = "111122223333"')
LOGOUT = (
    "https://us-east-1.signin.aws.amazon.com/oauth?Action=logout"
    "&redirect_uri=https%3A%2F%2F111122223333.signin.aws.amazon.com%2Fconsole"
)


def activate_side_project() -> StateStore:
    store = StateStore.default()
    store.save(store.load().opened("side-project", "switch-role", "2099-01-01T00:00:00Z"))
    return store


def test_back_print_prints_the_logout_url_and_clears_the_active_account(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_config(monkeypatch, tmp_path, BACK_CONFIG)
    store = activate_side_project()
    result = run_main("back", "--print")
    assert (result.returncode, result.stdout, result.stderr) == (0, LOGOUT + "\n", "")
    state = store.load()
    assert state.console is None
    assert state.recent == ("side-project",)


def test_back_opens_the_logout_url_in_the_browser(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_config(monkeypatch, tmp_path, BACK_CONFIG)
    recorder = BrowserRecorder(tmp_path)
    store = activate_side_project()
    result = run_trayapp("back", env={"BROWSER": recorder.browser})
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "Signed out; sign in as your IAM user.\n")
    assert [e["argv"] for e in recorder.entries()] == [[LOGOUT]]
    assert store.load().console is None

    again = run_trayapp("back", env={"BROWSER": recorder.browser})
    assert (again.returncode, again.stderr) == (
        0,
        "Already in the primary session; the browser was left as it is.\n",
    )
    assert len(recorder.entries()) == 1  # the browser was not called again


# -- every STS failure through the command line --------------------------------------------------------

FAULTS = [
    "access_denied",
    "bad_mfa",
    "expired_token",
    "invalid_client_token_id",
    "region_disabled",
    "chaining_limit",
    "signature_expired",
]  # throttling (retried, with real back-off delays) is in test_sessions.py and the MFA case below


@pytest.mark.parametrize("fault", FAULTS)
def test_sts_failure_is_exit_1_and_one_sentence(
    aws_env: AwsEnv, sts_stub: StsFaultStub, side_project: Path, fault: str
) -> None:
    aws_env.use_sts(sts_stub.url)
    sts_stub.set_fault(fault, actions=["AssumeRole"])
    result = run_main("creds", "side-project")
    assert result.returncode == 1, result.stderr
    sentence = one_sentence(result)
    assert sentence.startswith("Could not assume role in Side project: ")
    assert_no_secrets(result.stdout + result.stderr, secrets_of(sts_stub))
    assert cache_files() == []


@pytest.mark.parametrize("fault", ["access_denied", "throttling", "expired_token"])
def test_sts_failure_with_mfa_never_shows_the_code(
    aws_env: AwsEnv, sts_stub: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fault: str
) -> None:
    aws_env.use_sts(sts_stub.url)
    sts_stub.set_fault(fault, actions=["AssumeRole"])
    use_config(monkeypatch, tmp_path, MFA_CONFIG)
    result = run_main("creds", "side-project", "--mfa-code", "918273", "--format", "json")
    assert result.returncode == 1
    one_sentence(result)
    assert_no_secrets(result.stdout + result.stderr, secrets_of(sts_stub, extra=["918273"]))
    assert len(sts_stub.calls("AssumeRole")) == 1


def test_debug_output_holds_no_secret(
    aws_env: AwsEnv, sts_stub: StsFaultStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """--debug may show a traceback, never the primary secret, a session or the MFA code."""
    aws_env.use_sts(sts_stub.url)
    sts_stub.mfa_code = "123456"
    use_config(monkeypatch, tmp_path, MFA_CONFIG)
    result = run_trayapp("--debug", "creds", "side-project", "--mfa-code", "777777")
    assert result.returncode in (1, 2) and result.stdout == ""
    assert "not accepted" in result.stderr
    assert_no_secrets(result.stderr, secrets_of(sts_stub, extra=["777777"]))


def test_closed_port_is_exit_1_and_one_sentence(aws_env: AwsEnv, side_project: Path) -> None:
    url = closed_url()
    aws_env.use_sts(url)
    result = run_trayapp("creds", "side-project")
    assert result.returncode == 1
    assert one_sentence(result) == f"could not connect to AWS STS at {url}; check your network"
    assert_no_secrets(result.stderr, secrets_of())


def test_unknown_account_is_exit_2(side_project: Path) -> None:
    result = run_main("creds", "side-projet")
    assert result.returncode == 2
    assert "did you mean side-project" in one_sentence(result)
