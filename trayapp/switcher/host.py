"""Where the switcher window lives: in the tray (a Tk thread of its own) or alone for ``trayapp switch``.

Either way the window's keys become the tray menu's own actions, dispatched through the same
:class:`~trayapp.tray.controller.TrayController`: Enter is the account's default "Open console",
Shift+Enter the other mode, Ctrl+C "Copy credentials" in the default format.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from trayapp.core.console import default_mode, switch_role_problem
from trayapp.core.model import Account, Config, ConsoleMode
from trayapp.tray.menu import Action, CopyCredentials, OpenConsole

if TYPE_CHECKING:
    from trayapp.environment import Environment
    from trayapp.switcher.ipc import Server
    from trayapp.tray.controller import TrayController

log = logging.getLogger(__name__)

# Tk must own the main thread on macOS, where pystray's AppKit loop already does: there the tray
# starts `trayapp switch --standalone` as a process instead of hosting the window itself.
IN_PROCESS = sys.platform != "darwin"


def action_for(config: Config, account: Account, what: str) -> Action | str:
    """The menu action a switcher key stands for, or the reason it cannot work for this account."""
    mode: ConsoleMode = default_mode(config.primary.console, account)
    if what == "open-other":
        mode = "signed" if mode == "switch-role" else "switch-role"
        problem = switch_role_problem(account) if mode == "switch-role" else None
        if problem:
            return f"Switch role is unavailable for {account.display_name}: {problem}."
    if what in ("open", "open-other"):
        return OpenConsole(account.name, mode)
    return CopyCredentials(account.name, config.settings.credential_format)


class Switcher:
    """Runs the window for a controller; ``show`` may be called from any thread."""

    def __init__(self, controller: TrayController, standalone: bool = False):
        self.controller = controller
        self.standalone = standalone
        self.requests: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.ready = threading.Event()
        self.failed: str | None = None
        self.wakeup: tuple[int, int] | None = None
        self.thread: threading.Thread | None = None
        self.starting = threading.Lock()  # the menu and the socket may both ask for the first window
        self.server: Server | None = None  # the tray's socket for `trayapp switch`

    def load(self) -> tuple[Sequence[Account], Sequence[str]]:
        return self.controller.config.accounts, self.controller.app.store.load().recent

    def act(self, account: Account, what: str) -> str | None:
        action = action_for(self.controller.config, account, what)
        if isinstance(action, str):
            return action
        self.controller.dispatch(action)
        return None

    def run(self, show_first: bool) -> None:
        """Own the Tk root in this thread until it is destroyed (standalone: until the window closes)."""
        try:
            import tkinter as tk

            from trayapp.switcher.window import SwitcherWindow
        except ImportError:
            self.failed = (
                "the quick switcher needs Tk, which this Python lacks (Debian and Ubuntu: python3-tk)"
            )
            self.ready.set()
            return
        try:
            root = tk.Tk(className="trayapp")
        except tk.TclError as exc:
            self.failed = f"the quick switcher cannot open a window ({exc})"
            self.ready.set()
            return
        root.withdraw()
        window = SwitcherWindow(root, self.load, self.act, root.destroy if self.standalone else lambda: None)

        def serve_requests() -> None:  # other threads never touch Tk: they queue requests
            while not self.requests.empty():
                request = self.requests.get()
                if request == "show":
                    window.show()
                elif request == "quit":
                    root.destroy()
                    return

        def woken(*_: object) -> None:
            assert self.wakeup is not None
            os.read(self.wakeup[0], 64)
            serve_requests()

        def poll() -> None:
            serve_requests()
            root.after(50, poll)

        if os.name == "posix":  # a pipe wakes Tk's event loop at once, with no polling while idle
            self.wakeup = os.pipe()
            root.tk.createfilehandler(self.wakeup[0], tk.READABLE, woken)
        else:
            root.after(50, poll)
        self.ready.set()
        if show_first:
            window.show()
        serve_requests()  # anything asked before the pipe existed
        root.mainloop()
        if self.wakeup is not None:
            root.tk.deletefilehandler(self.wakeup[0])

    def start(self) -> None:
        """In the tray: build the window, hidden, on its own thread; later shows only map it."""
        self.thread = threading.Thread(target=self.run, args=(False,), name="trayapp-switcher", daemon=True)
        self.thread.start()

    def request(self, what: str) -> None:
        self.requests.put(what)
        if self.wakeup is not None:
            os.write(self.wakeup[1], b"!")

    def show(self) -> None:
        """Bring the window forward (any thread, never blocking); says why if it cannot open."""
        if not IN_PROCESS:
            open_standalone_process()
            return
        with self.starting:  # Tk and the window cost ~13 MiB: built when first wanted, then kept hidden
            if self.thread is None:
                self.start()
        self.request("show")
        if self.ready.is_set() and self.failed:
            self.controller.notify("trayapp", self.failed[:1].upper() + self.failed[1:])

    def stop(self) -> None:
        """At Quit: Tk is torn down on its own thread (elsewhere Tcl aborts the process at exit)."""
        if self.server is not None:
            self.server.close()
        if self.thread is not None and self.thread.is_alive():
            self.request("quit")
            self.thread.join(timeout=2)


def open_standalone_process() -> None:
    import subprocess

    subprocess.Popen(
        [sys.executable, "-m", "trayapp", "switch", "--standalone"],
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


class PrintingSurface:
    """The standalone switcher's stand-in for the tray: results and errors go to stderr."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream  # the Environment's stderr
        self.notes: list[tuple[str, str]] = []

    def refresh(self) -> None:
        pass

    def notify(self, title: str, message: str) -> None:
        self.notes.append((title, message))
        print(f"trayapp: {title}: {message}", file=self.stream)

    def stop(self) -> None:
        pass


def run_standalone(config_path: Path, env: Environment) -> int:
    """``trayapp switch`` without a tray: one window; wait for the chosen action, then exit."""
    from trayapp.app import App
    from trayapp.tray.controller import SerialPrompt, TrayController

    prompt = SerialPrompt(env.dialog_prompt)
    controller = TrayController(config_path, lambda config: App(config, prompt, env), env)
    surface = PrintingSurface(env.stderr)
    controller.surface = surface
    if controller.problem:
        surface.notify("Config problem", controller.problem)
    switcher = Switcher(controller, standalone=True)
    switcher.run(show_first=True)
    controller.workers.shutdown(wait=True)  # the chosen action (AWS calls, the browser) runs to its end
    if switcher.failed:
        from trayapp.core.errors import TrayappError

        raise TrayappError(switcher.failed)
    return 0
