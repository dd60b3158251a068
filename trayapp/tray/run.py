"""Start the tray: one instance per user, the controller wired to the real platform services."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from trayapp.core.config import config_path as default_config_path
from trayapp.core.errors import TrayappError
from trayapp.core.files import ensure_private_dir
from trayapp.core.model import Config

if TYPE_CHECKING:
    from trayapp.environment import Environment
    from trayapp.switcher.host import Switcher
    from trayapp.tray.controller import TrayController


def lock_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_state_dir("trayapp", appauthor=False)) / "tray.lock"


def run_tray(config_file: str | None = None, env: Environment | None = None) -> int:
    """Block in the tray until Quit; exit 0 at once when another tray of this user runs.

    ``env`` is the command line's; started on its own, the tray builds the real one here, once.
    """
    if env is None:
        from trayapp.environment import Environment

        env = Environment.from_system()
    path = lock_path()
    ensure_private_dir(path.parent)
    with single_instance(path) as first:
        if not first:
            print("trayapp is already running.", file=env.stderr)
            return 0
        return _run(default_config_path(config_file, env.environ), env)


@contextlib.contextmanager
def single_instance(path: Path) -> Iterator[bool]:
    """Hold the lock file while the tray runs; yields False when another process holds it.

    POSIX: flock, as filelock does it, without its import (asyncio: ~8 MiB and ~20 ms at start).
    """
    if os.name != "posix":
        from filelock import FileLock, Timeout

        lock = FileLock(str(path))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            yield False
            return
        try:
            yield True
        finally:
            lock.release()
        return
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing releases the lock


def _run(config_path: Path, env: Environment) -> int:
    from trayapp.app import App
    from trayapp.tray.controller import SerialPrompt, TrayController
    from trayapp.tray.icon import PystraySurface

    prompt = SerialPrompt(env.dialog_prompt())

    def make_app(config: Config) -> App:
        return App(config, prompt, env)

    controller = TrayController(config_path, make_app, env, autostart=True)
    controller.app.store.load()
    try:
        surface = PystraySurface(controller)  # pystray picks its backend and opens the display here
    except Exception as exc:
        raise TrayappError(
            f"cannot show a tray icon here ({type(exc).__name__}): the tray needs a graphical session "
            "($DISPLAY or $WAYLAND_DISPLAY); every other command works without one"
        ) from None
    if controller.problem:
        controller.notify("Config problem", controller.problem)
    elif not controller.config.accounts:
        controller.notify("trayapp", f"No accounts yet: choose Edit accounts… to add some to {config_path}.")
    switcher = switcher_for(controller)

    def when_shown() -> None:
        """Work the first paint does not need: who the primary is (botocore and STS, quietly)."""
        controller.workers.submit(controller.learn_identity)

    surface.run(when_shown=when_shown)
    switcher.stop()
    return 0


def switcher_for(controller: TrayController) -> Switcher:
    """The quick switcher, answering the menu and `trayapp switch` at once; its window is built on first use."""
    from trayapp.switcher.host import Switcher
    from trayapp.switcher.ipc import Server

    switcher = Switcher(controller)
    controller.show_switcher = switcher.show
    switcher.server = Server(switcher.show)
    switcher.server.start()
    return switcher
