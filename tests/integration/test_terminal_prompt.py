"""The terminal MFA prompt, answered the way a person would: in a real terminal (tmux)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sessions_kit import MFA_SERIAL, SIDE_PROJECT, TRAYAPP, use_config
from support.layers import missing_layer
from support.servers import AwsEnv, StsFaultStub

pytestmark = pytest.mark.aws

MFA_CONFIG = SIDE_PROJECT.replace("[primary]", f'[primary]\nmfa_serial = "{MFA_SERIAL}"')


class Terminal:
    """A tmux session on a private socket: type into it, read its screen."""

    def __init__(self, workdir: Path):
        self.socket = str(workdir / "tmux.sock")
        self.name = "trayapp"

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True, check=True)
        return done.stdout

    def start(self, command: str, env: dict[str, str]) -> None:
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        self.tmux(
            "new-session",
            "-d",
            "-s",
            self.name,
            "-x",
            "200",
            "-y",
            "50",
            f"env {exports} {command}; sleep 30",
        )

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def wait_for(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never showed; the screen:\n{self.screen()}")

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.name, text, "Enter")

    def close(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True, check=False)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    if not shutil.which("tmux"):
        missing_layer("tmux is missing: the terminal prompt layer cannot run")
    workdir = Path(tempfile.mkdtemp(prefix="trayapp-tmux-"))  # short: a unix socket path has a length limit
    term = Terminal(workdir)
    try:
        yield term
    finally:
        term.close()
        shutil.rmtree(workdir, ignore_errors=True)


def test_terminal_prompt_asks_again_once_after_a_wrong_code(
    aws_env: AwsEnv,
    sts_stub: StsFaultStub,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    terminal: Terminal,
) -> None:
    aws_env.use_sts(sts_stub.url)
    sts_stub.mfa_code = "246810"
    use_config(monkeypatch, tmp_path, MFA_CONFIG)
    out = tmp_path / "creds.txt"
    env = {k: v for k, v in os.environ.items() if k.startswith(("AWS_", "TRAYAPP_", "XDG_", "HOME", "PATH"))}
    terminal.start(f"{shlex.join(TRAYAPP)} creds side-project > {shlex.quote(str(out))}; echo EXIT=$?", env)

    screen = terminal.wait_for("MFA code for Side project")
    assert MFA_SERIAL in screen
    terminal.type("111111")  # wrong
    screen = terminal.wait_for("not accepted")
    assert screen.count("MFA code for Side project") == 2
    terminal.type("246810")
    screen = terminal.wait_for("EXIT=")
    assert "EXIT=0" in screen
    assert "246810" not in screen and "111111" not in screen  # the prompt does not echo
    issued = sts_stub.issued[-1]
    assert f" export AWS_ACCESS_KEY_ID='{issued.access_key_id}'" in out.read_text()
    sent = [c.form.get("TokenCode") for c in sts_stub.calls("AssumeRole")]
    assert sent == ["111111", "246810"]  # each code sent once, never retried
