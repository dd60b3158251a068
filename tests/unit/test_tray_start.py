"""Starting the tray where there is no screen: one clear sentence, not a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

from support.cli import RunCli, run_python


def test_tray_without_a_display_says_what_it_needs(run_cli: RunCli) -> None:
    result = run_cli("tray", env={"DISPLAY": "", "WAYLAND_DISPLAY": "", "PYSTRAY_BACKEND": ""})
    assert result.returncode == 1
    assert result.stderr.startswith("trayapp: cannot show a tray icon here (")
    assert "graphical session" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


STARTUP_PROBE = """
import sys
import trayapp.tray.icon as icon

HEAVY = ("botocore.session", "trayapp.core.sessions", "trayapp.app", "trayapp.core.config", "trayapp.tray.controller")

def loaded():
    return ",".join(name for name in HEAVY if name in sys.modules) or "-"

class Surface:
    def __init__(self, env, first, title="trayapp"):
        self.controller = None
        print("painted", loaded(), first.color, flush=True)

    def attach(self, controller):
        self.controller = controller
        controller.surface = self

    def run(self, load, when_attached):
        controller = self.controller or load()
        controller.surface = self
        print("loaded", loaded(), flush=True)
        when_attached(controller)
        controller.refresh()
        controller.workers.shutdown(wait=True)  # the identity lookup and the picture's memory ran
        print("after", "botocore.session" in sys.modules, flush=True)

    def wait_until_ready(self): return True
    def refresh(self): pass
    def notify(self, title, message): pass
    def stop(self): pass

icon.PystraySurface = Surface
from trayapp.tray.run import run_tray
sys.exit(run_tray())
"""


def test_tray_paints_before_loading_the_engine_and_asks_who_we_are_once_shown(tmp_path: Path) -> None:
    """The first paint needs neither botocore nor the AWS engine; GetCallerIdentity waits until the icon is up.

    The first start reads the config before it paints; it remembers the picture, so the next start
    paints before even the config and the controller load (trayapp.tray.firstpaint).
    """

    config = tmp_path / "config.toml"
    config.write_text(
        '[[account]]\nname = "dev"\nrole_arn = "arn:aws:iam::123456789012:role/dev"\ncolor = "#2e7d32"\n'
    )
    state = {"console": {"account": "dev", "mode": "switch-role", "until": "2999-01-01T00:00:00Z"}}
    from trayapp.core.places import state_file

    state_file().parent.mkdir(parents=True, exist_ok=True)
    state_file().write_text(json.dumps(state))
    env = {**os.environ, "TRAYAPP_CONFIG": str(config)}

    def start() -> list[str]:
        done = run_python(STARTUP_PROBE, env)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.split("\n")

    tray = "trayapp.app,trayapp.core.config,trayapp.tray.controller"  # and not botocore, nor the sessions
    assert start() == [f"painted {tray} 2e7d32", f"loaded {tray}", "after True", ""]
    assert start() == ["painted - 2e7d32", f"loaded {tray}", "after True", ""]
    config.write_text(
        config.read_text().replace("2e7d32", "1565c0")
    )  # a changed file: loaded before the paint
    assert start()[0] == f"painted {tray} 1565c0"


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
    from trayapp.cli.entry import parse_args
    from trayapp.cli.manage import cmd_tray
    from trayapp.cli.parser import build_parser

    tray = {"command": "tray", "run": cmd_tray}
    assert vars(build_parser().parse_args(["tray"])) == tray
    assert vars(build_parser().parse_args([])) == {"command": None}  # main has always read that as the tray
    for argv in ([], ["tray"]):
        assert vars(parse_args(argv)) == tray
    assert vars(parse_args(["--debug"])) == {**tray, "debug": True}
    assert vars(parse_args(["tray", "--config", "x.toml"])) == {**tray, "config": "x.toml"}


def test_the_tray_start_imports_no_argparse() -> None:

    probe = "import sys; from trayapp.cli.entry import parse_args; parse_args(['tray']); print('argparse' in sys.modules)"
    done = run_python(probe)
    assert done.returncode == 0 and done.stdout == "False\n", done.stderr
