"""Starting the tray where there is no screen: one clear sentence, not a traceback."""

from __future__ import annotations

from pathlib import Path

from support.cli import RunCli


def test_tray_without_a_display_says_what_it_needs(run_cli: RunCli) -> None:
    result = run_cli("tray", env={"DISPLAY": "", "WAYLAND_DISPLAY": "", "PYSTRAY_BACKEND": ""})
    assert result.returncode == 1
    assert result.stderr.startswith("trayapp: cannot show a tray icon here (")
    assert "graphical session" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


STARTUP_PROBE = """
import sys, time
import trayapp.tray.icon as icon

class Surface:
    def __init__(self, controller):
        self.controller = controller
        controller.surface = self
        print("built", "botocore.session" in sys.modules, "trayapp.core.sessions" in sys.modules, flush=True)

    def run(self, when_shown=None):
        print("shown", "botocore.session" in sys.modules, "trayapp.core.sessions" in sys.modules, flush=True)
        when_shown()
        self.controller.workers.shutdown(wait=True)  # the identity lookup ran on its worker
        print("after", "botocore.session" in sys.modules, flush=True)

    def refresh(self): pass
    def notify(self, title, message): pass
    def stop(self): pass

icon.PystraySurface = Surface
from trayapp.tray.run import run_tray
sys.exit(run_tray())
"""


def test_tray_paints_before_importing_botocore_and_asks_who_we_are_once_shown() -> None:
    """The first paint needs neither botocore nor the AWS engine; GetCallerIdentity waits until the icon is up."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", STARTUP_PROBE], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n") == ["built False False", "shown False False", "after True", ""]


def test_one_tray_per_user_also_against_a_tray_that_locks_with_filelock(tmp_path: Path) -> None:
    from filelock import FileLock

    from trayapp.tray.run import single_instance

    path = tmp_path / "tray.lock"
    with single_instance(path) as first, single_instance(path) as second:
        assert (first, second) == (True, False)
    with single_instance(path) as again:
        assert again  # released on the way out
    older = FileLock(str(path))  # how trayapp locked before: a running older tray still counts
    older.acquire(timeout=0)
    try:
        with single_instance(path) as beside_older:
            assert not beside_older
    finally:
        older.release()
    assert path.stat().st_mode & 0o077 == 0


def test_the_tray_start_skips_argparse_and_means_what_argparse_means() -> None:
    from trayapp import cli

    tray = {"command": "tray", "run": cli.cmd_tray}
    assert vars(cli.build_parser().parse_args(["tray"])) == tray
    assert vars(cli.build_parser().parse_args([])) == {
        "command": None
    }  # main has always read that as the tray
    for argv in ([], ["tray"]):
        assert vars(cli.parse_args(argv)) == tray
    assert vars(cli.parse_args(["--debug"])) == {**tray, "debug": True}
    assert vars(cli.parse_args(["tray", "--config", "x.toml"])) == {**tray, "config": "x.toml"}
