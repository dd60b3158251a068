"""Class 6: ``trayapp exec`` behaves as aws-vault exec users expect with real signals and a real child.

It forwards SIGINT, SIGTERM and SIGHUP, waits while the child cleans up, and exits with the
child's status, or 128+N when signal N ended the child. Each test waits on real events: the child
writes a file when it is ready and when it got a signal.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from kit import SIDE, TRAYAPP
from support.servers import AwsEnv

pytestmark = pytest.mark.aws


# The child: says it is ready, records each signal, cleans up slowly (longer than the 0.2 s that
# used to be allowed), then exits with 7 -- or, without traps, dies of the signal.
CHILD = r"""
import os, signal, sys, time
log = sys.argv[1]
def note(text):
    with open(log, "a") as f:
        f.write(text + "\n")
def cleanup(signum, frame):
    note(f"got {signal.Signals(signum).name}")
    time.sleep(1.0)
    note("cleaned up")
    sys.exit(7)
if sys.argv[2] == "trap":
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), cleanup)
note(f"ready {os.getpid()} {os.environ.get('AWS_ACCESS_KEY_ID', '')[:4]}")
while True:
    time.sleep(0.05)
"""


@pytest.fixture
def exec_env(aws_env: AwsEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "c.toml"
    config.write_text(SIDE)
    monkeypatch.setenv("TRAYAPP_CONFIG", str(config))
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    return script


def wait_for_line(log: Path, prefix: str, proc: subprocess.Popen[str], timeout: float = 60) -> str:
    """Block until the child wrote a line starting with ``prefix`` (inotify-free: the file is tiny)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists():
            for line in log.read_text().splitlines():
                if line.startswith(prefix):
                    return line
        if proc.poll() is not None:
            raise AssertionError(f"trayapp exited early ({proc.returncode}): {proc.communicate()}")
        time.sleep(0.02)
    raise AssertionError(f"the child never wrote {prefix!r}")


def default_actions() -> None:
    """In trayapp's process, before exec: the signals' default actions, whatever the test runner ignores.

    An ignored signal stays ignored across exec: under ``nohup`` SIGHUP would never end a child.
    """
    for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


def start(script: Path, log: Path, mode: str, **popen: object) -> tuple[subprocess.Popen[str], int]:
    import sys

    also = popen.pop("preexec_fn", None)

    def before_exec() -> None:
        default_actions()
        if callable(also):
            also()

    proc = subprocess.Popen(  # type: ignore[call-overload]
        [*TRAYAPP, "exec", "side", "--", sys.executable, str(script), str(log), mode],
        stdin=popen.pop("stdin", subprocess.DEVNULL),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=before_exec,
        **popen,
    )
    ready = wait_for_line(log, "ready ", proc)
    assert ready.endswith(" ASIA"), "the child runs with the role's credentials"
    return proc, int(ready.split()[1])


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_is_forwarded_and_the_child_finishes_its_cleanup(
    exec_env: Path, tmp_path: Path, sig: int
) -> None:
    log = tmp_path / "log"
    proc, child = start(exec_env, log, "trap")
    proc.send_signal(sig)
    code = proc.wait(timeout=60)
    lines = log.read_text().splitlines()
    assert lines[1:] == [f"got {signal.Signals(sig).name}", "cleaned up"], "one signal, full cleanup"
    assert code == 7, proc.communicate()
    assert not alive(child)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_child_ended_by_the_signal_gives_128_plus_n(exec_env: Path, tmp_path: Path, sig: int) -> None:
    log = tmp_path / "log"
    proc, child = start(exec_env, log, "plain")
    proc.send_signal(sig)
    assert proc.wait(timeout=60) == 128 + sig
    assert not alive(child)


def test_a_child_killed_from_outside_gives_137(exec_env: Path, tmp_path: Path) -> None:
    log = tmp_path / "log"
    proc, child = start(exec_env, log, "trap")
    os.kill(child, signal.SIGKILL)
    assert proc.wait(timeout=60) == 128 + signal.SIGKILL
    assert proc.communicate()[1] == ""


def test_the_child_exit_status_is_passed_on(exec_env: Path) -> None:
    import sys

    done = subprocess.run(
        [*TRAYAPP, "exec", "side", "--", sys.executable, "-c", "import sys; sys.exit(42)"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 42, done.stderr


def test_ctrl_c_at_a_terminal_reaches_the_child_once(exec_env: Path, tmp_path: Path) -> None:
    """A real pseudo-terminal: Ctrl-C goes to the whole foreground group; trayapp must not send it again."""
    import pty

    log = tmp_path / "log"
    leader, follower = pty.openpty()
    try:
        proc, child = start(
            exec_env,
            log,
            "trap",
            stdin=follower,
            start_new_session=True,
            preexec_fn=lambda: __import__("fcntl").ioctl(0, __import__("termios").TIOCSCTTY, 0),
        )
        os.write(leader, b"\x03")
        code = proc.wait(timeout=60)
    finally:
        os.close(leader)
        os.close(follower)
    assert log.read_text().splitlines()[1:] == ["got SIGINT", "cleaned up"]
    assert code == 7
    assert not alive(child)
