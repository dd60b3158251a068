"""Start the tray: one instance per user, the controller wired to the real platform services."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from trayapp.core.errors import TrayappError
from trayapp.core.files import ensure_private_dir
from trayapp.core.places import config_path as default_config_path
from trayapp.core.places import state_dir

if TYPE_CHECKING:  # the first paint needs none of these (trayapp.tray.firstpaint)
    from trayapp.core.model import Config
    from trayapp.environment import Environment
    from trayapp.switcher.host import Switcher
    from trayapp.tray.controller import TrayController
    from trayapp.tray.icon import PystraySurface


log = logging.getLogger(__name__)


def lock_path() -> Path:
    return state_dir() / "tray.lock"


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
    from trayapp.core.places import state_file
    from trayapp.switcher.ipc import Server
    from trayapp.tray.firstpaint import memory_path, picture_inputs, recall
    from trayapp.tray.icon import PystraySurface

    inputs = picture_inputs(config_path, state_file(), env.environ)
    first = recall(memory_path(), inputs, env.clock().timestamp())
    # Remembered: the icon shows at once and the tray loads behind it; else it loads first, as always.
    log.debug(
        "first paint: %s", "the remembered picture" if first else "after loading (nothing remembered holds)"
    )
    ready = None if first is not None else load_controller(config_path, env)
    try:  # pystray picks its backend and opens the display here
        if ready is not None:
            surface = PystraySurface(env, ready.icon_spec(), ready.tooltip())
            surface.attach(ready)  # loaded already: its menu is built before the icon shows, as pystray does
        elif first is not None:
            surface = PystraySurface(env, first)
    except Exception as exc:
        raise TrayappError(
            f"cannot show a tray icon here ({type(exc).__name__}): the tray needs a graphical session "
            "($DISPLAY or $WAYLAND_DISPLAY); every other command works without one"
        ) from None
    # `trayapp switch` reaches this tray from the moment its icon shows; it waits for the tray behind.
    server = Server(lambda: show_switcher(surface))
    server.start()
    switchers: list[Switcher] = []

    def when_attached(controller: TrayController) -> None:
        """Work the first paint does not need: the switcher, problems to say, who the primary is."""
        from trayapp.switcher.host import Switcher

        switcher = Switcher(controller)  # its window is built on first use
        switcher.server = server
        switchers.append(switcher)
        controller.show_switcher = switcher.show
        if controller.problem:
            controller.notify("Config problem", controller.problem)
        elif not controller.config.accounts:
            controller.notify(
                "trayapp", f"No accounts yet: choose Edit accounts… to add some to {config_path}."
            )
        controller.workers.submit(controller.learn_identity)

    try:
        surface.run(lambda: ready or load_controller(config_path, env), when_attached)
    finally:
        server.close()
        for switcher in switchers:
            switcher.stop()
    return 0


def load_controller(config_path: Path, env: Environment) -> TrayController:
    """The tray's controller on the real App: the config, the session cache and state.json loaded."""
    from trayapp.app import App
    from trayapp.tray.controller import SerialPrompt, TrayController

    prompt = SerialPrompt(env.dialog_prompt)

    def make_app(config: Config) -> App:
        return App(config, prompt, env)

    controller = TrayController(config_path, make_app, env, autostart=True)
    controller.app.store.load()
    return controller


def show_switcher(surface: PystraySurface) -> None:
    """`trayapp switch` asked: the quick switcher, once the tray behind the icon has loaded."""
    if surface.wait_until_ready() and surface.controller and surface.controller.show_switcher:
        surface.controller.show_switcher()
