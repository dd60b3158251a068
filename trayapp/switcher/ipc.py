"""``trayapp switch`` asks the running tray to show its switcher over a private unix socket.

The socket lives in the user's runtime dir (``$XDG_RUNTIME_DIR/trayapp/switch.sock``), a folder
only the user may enter (0700), and is itself 0600. The only request is ``show``; nothing secret
ever crosses it. Where unix sockets are missing (Windows), ``trayapp switch`` opens a window of its own.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from trayapp.core.files import ensure_private_dir

log = logging.getLogger(__name__)

REQUEST = b"show\n"
ANSWER = b"ok\n"
TIMEOUT = 2.0


def socket_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_runtime_dir("trayapp", appauthor=False)) / "switch.sock"


def supported() -> bool:
    return hasattr(socket, "AF_UNIX")


def ask_tray_to_show(path: Path | None = None) -> bool:
    """True when a running tray answered and is showing its switcher; False when no tray listens."""
    if not supported():
        return False
    where = path or socket_path()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(TIMEOUT)
            client.connect(str(where))
            client.sendall(REQUEST)
            return client.recv(16) == ANSWER
    except OSError:  # no socket, a stale one (refused), a tray that hung: open our own window
        return False


class Server:
    """Accepts ``show`` requests on a daemon thread and calls ``on_show`` for each (from that thread)."""

    def __init__(self, on_show: Callable[[], None], path: Path | None = None):
        self.on_show = on_show
        self.path = path or socket_path()
        self.sock: socket.socket | None = None

    def start(self) -> bool:
        """Listen; False (logged) where that is impossible. Call only while holding the tray lock."""
        if not supported():
            return False
        try:
            ensure_private_dir(self.path.parent)
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()  # left by a tray that was killed; we hold the lock now
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            old = os.umask(0o177)
            try:
                sock.bind(str(self.path))
            finally:
                os.umask(old)
            sock.listen(4)
        except OSError as exc:
            log.warning("trayapp switch cannot reach this tray (%s): %s", self.path, exc.strerror or exc)
            return False
        self.sock = sock
        threading.Thread(target=self.serve, name="trayapp-switch-ipc", daemon=True).start()
        return True

    def serve(self) -> None:
        assert self.sock is not None
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed
            with conn:
                conn.settimeout(TIMEOUT)
                try:
                    if conn.recv(16) == REQUEST:
                        self.on_show()
                        conn.sendall(ANSWER)
                except OSError as exc:
                    log.info("switch request dropped: %s", exc)
                except Exception:
                    log.exception("showing the switcher failed")

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            with contextlib.suppress(OSError):
                self.path.unlink()
