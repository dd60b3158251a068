"""Class 7: unexpected input and a hostile system end in one sentence naming the file, and the job is done where it can be."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from kit import trayapp
from support.layers import missing_layer
from support.servers import AwsEnv

from trayapp.core.cache import MemoryCache, sessions_dir
from trayapp.core.config import load_config
from trayapp.core.sessions import SessionProvider

SIDE = """
[primary]
region = "eu-west-1"
label = "george"

[[account]]
name = "side"
account_id = "444455556666"
role_name = "admin"
"""
LINK = "https://signin.aws.amazon.com/switchrole?account=444455556666&roleName=admin"


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr and "unexpected error" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@contextlib.contextmanager
def full_filesystem(where: Path) -> Iterator[Path]:
    """A real, tiny tmpfs mounted at ``where`` and filled to the last byte (needs root and mount)."""
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        missing_layer(
            f"cannot mount a tmpfs here ({mounted.stderr.decode().strip()}); full-disk cases need root"
        )
    try:
        (where / "cache").mkdir()
        (where / "config").mkdir()
        with contextlib.suppress(OSError), open(where / "filler", "wb") as filler:
            while True:
                filler.write(b"\0" * 4096)
                filler.flush()
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


# -- the cache cannot be written: credentials are still handed out --------------------------------------


@pytest.mark.aws
def test_a_full_disk_still_hands_out_credentials(aws_env: AwsEnv, side: Path, tmp_path: Path) -> None:
    with full_filesystem(tmp_path / "full") as full:
        done = trayapp("creds", "side", env={"XDG_CACHE_HOME": str(full / "cache")})
    assert done.returncode == 0, done.stderr
    assert " export AWS_SECRET_ACCESS_KEY=" in done.stdout
    line = one_line(done)
    assert line.startswith("trayapp: WARNING: could not write ")
    assert (
        "No space left on device; free some space and try again; the session is used but not cached" in line
    )


@pytest.mark.aws
def test_a_cache_folder_that_is_a_file_still_hands_out_credentials(aws_env: AwsEnv, side: Path) -> None:
    folder = sessions_dir()
    folder.parent.mkdir(parents=True)
    folder.write_text("not a folder")
    done = trayapp("creds", "side")
    assert done.returncode == 0, done.stderr
    assert " export AWS_SESSION_TOKEN=" in done.stdout
    assert str(folder) in one_line(done)
    assert folder.read_text() == "not a folder"


@pytest.mark.aws
@pytest.mark.parametrize(
    "entry",
    [
        {
            "version": 1,
            "account": 5,
            "role_arn": 6,
            "credentials": {"access_key_id": 1, "secret_access_key": 2, "session_token": 3, "expiration": 4},
        },
        {"version": 1, "account": "side", "role_arn": "x", "credentials": [1, 2, 3]},
        {"version": 1, "account": "side", "role_arn": "x", "credentials": {"access_key_id": "a"}},
        [1, 2, 3],
        "[" * 100_000,
        {
            "version": 1,
            "account": "side",
            "role_arn": "x",
            "credentials": {
                "access_key_id": "a",
                "secret_access_key": "b",
                "session_token": "c",
                "expiration": "soon",
            },
        },
    ],
    ids=["numbers", "list", "missing-keys", "not-an-object", "nested-deep", "bad-expiration"],
)
def test_a_bad_cache_entry_is_set_aside_and_a_new_session_made(
    aws_env: AwsEnv, side: Path, entry: object
) -> None:
    config = load_config(side)
    key = SessionProvider(config, MemoryCache(), lambda *a: None).cache_key(config.accounts[0])
    folder = sessions_dir()
    folder.mkdir(parents=True, mode=0o700)
    bad = folder / f"{key}.json"
    text = (
        entry
        if isinstance(entry, str)
        else json.dumps({**entry, "key": key} if isinstance(entry, dict) else entry)
    )
    bad.write_text(text)
    bad.chmod(0o600)
    done = trayapp("creds", "side")
    assert done.returncode == 0, done.stderr
    assert " export AWS_ACCESS_KEY_ID='ASIA" in done.stdout
    assert "set aside cache file" in one_line(done)
    assert len(list(folder.glob(f"{key}.bad-*"))) == 1
    assert json.loads(bad.read_text())["credentials"]["access_key_id"].startswith("ASIA")


# -- user files that cannot be written, or are not what trayapp expects ----------------------------------


def test_importing_into_a_config_on_a_full_disk_is_one_sentence_and_changes_nothing(tmp_path: Path) -> None:
    with full_filesystem(tmp_path / "full") as full:
        config = full / "config" / "c.toml"
        done = trayapp("import", "link", LINK, "--config", str(config))
        leftovers = sorted(p.name for p in config.parent.iterdir())
    assert done.returncode == 1
    assert done.stdout == ""
    line = one_line(done)
    assert line.startswith(f"trayapp: could not write {config}: No space left on device")
    assert leftovers == [], "no half-written file nor temp file is left"


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 3000 + "]" * 3000,
        "a = " + "{b = " * 3000 + "1" + "}" * 3000,
        "[primary]\nlabel = " + "[" * 1200 + "1" + "]" * 1200,
    ],
    ids=["arrays", "inline-tables", "under-a-key"],
)
def test_a_config_nested_thousands_deep_is_one_sentence(tmp_path: Path, text: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(text)
    done = trayapp("list", "--config", str(config))
    assert done.returncode == 2
    assert str(config) in done.stderr and "nested too deeply" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "unexpected" not in done.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"' + "9" * 100_000 + '"', "got 100000 characters"),
        ("9" * 100_000, "a number is far too long"),
        ('"' + "9" * 30 + '"', "expected a duration"),
        ('"' + "9" * 9 + 'h"', "expected a duration"),
        ("99999999999999999999", "must be between 15m and 12h"),
    ],
    ids=[
        "string-100k-digits",
        "integer-100k-digits",
        "string-30-digits",
        "hours-9-digits",
        "integer-20-digits",
    ],
)
def test_a_duration_of_many_digits_gets_trayapps_own_message(
    tmp_path: Path, value: str, expected: str
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(SIDE + f"duration = {value}\n")
    done = trayapp("config", "check", "--config", str(config))
    assert done.returncode == 2
    assert expected in done.stderr and str(config) in done.stderr, done.stderr[:500]
    assert "4300" not in done.stderr and "sys.set_int_max_str_digits" not in done.stderr
    assert len(done.stderr) < 1000


def test_a_config_that_is_a_folder_is_one_sentence(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.mkdir()
    done = trayapp("list", "--config", str(config))
    assert done.returncode == 2
    assert str(config) in done.stderr and "Is a directory" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unreadable_import_file_is_one_sentence(tmp_path: Path) -> None:
    done = trayapp("import", "aesr", str(tmp_path), "--config", str(tmp_path / "c.toml"))
    assert done.returncode == 2
    assert one_line(done) == f"trayapp: cannot read {tmp_path}: Is a directory"


@pytest.mark.aws
def test_exec_of_something_that_cannot_run_is_one_sentence(
    aws_env: AwsEnv, side: Path, tmp_path: Path
) -> None:
    script = tmp_path / "not-executable.sh"
    script.write_text("#!/bin/sh\n")
    done = trayapp("exec", "side", "--", str(script))
    assert done.returncode == 1
    assert one_line(done) == f"trayapp: could not run {script}: Permission denied"
    done = trayapp("exec", "side", "--", str(tmp_path / "missing"))
    assert done.returncode == 2 and "command not found" in one_line(done)


@pytest.mark.aws
@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000,
        '{"SigninToken": 5}',
        '{"SigninToken": ""}',
        "<html>Service Unavailable</html>",
        "x" * 200_000,
    ],
    ids=["nested-deep", "number", "empty", "html", "huge"],
)
def test_a_hostile_signin_answer_is_one_sentence(body: str) -> None:
    from support.servers import FederationStub

    from trayapp.core.errors import AwsError
    from trayapp.core.signin import fetch_signin_token

    with FederationStub() as stub:
        stub.fail_next(200, body)
        with pytest.raises(AwsError) as caught:
            fetch_signin_token(stub.url + "/federation?Action=getSigninToken", timeout=5)
    message = str(caught.value)
    assert message.startswith("the AWS sign-in service gave an ") and "\n" not in message


@pytest.mark.parametrize("kind", ["fifo", "device"])
@pytest.mark.parametrize("command", [["list"], ["import", "link", LINK]], ids=["list", "import"])
def test_a_config_that_is_a_fifo_or_device_is_refused_not_waited_on(
    tmp_path: Path, kind: str, command: list[str]
) -> None:
    if kind == "fifo":
        config = tmp_path / "c.toml"
        os.mkfifo(config)  # reading it would wait for a writer forever
    else:
        config = tmp_path / "zero.toml"
        config.symlink_to("/dev/zero")  # reading it would never end
    done = trayapp(*command, "--config", str(config), timeout=60)
    assert done.returncode == (2 if command == ["list"] else 1), done.stderr
    assert str(config) in done.stderr and "not a regular file" in done.stderr
    assert "Traceback" not in done.stderr
