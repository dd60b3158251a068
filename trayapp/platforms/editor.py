"""Open the config in an editor: the one place both ``trayapp config edit`` and the tray use.

Order: ``$VISUAL`` / ``$EDITOR`` (in the caller's terminal for the command line, in a terminal
emulator for the tray), else the desktop's handler for text files, else a plain text editor found
on PATH. When nothing opens, EditorError names the file and every reason: never a silent failure.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from trayapp.core.errors import TrayappError
from trayapp.platforms.spawn import detached

GRACE = 1.5  # seconds a launcher gets to fail at once (xdg-open without a handler exits 3 or 4)
# Terminal emulators and the option that runs a command in them, best first.
TERMINALS = (
    ("x-terminal-emulator", "-e"),
    ("gnome-terminal", "--"),
    ("konsole", "-e"),
    ("xfce4-terminal", "-x"),
    ("kitty", ""),
    ("alacritty", "-e"),
    ("foot", ""),
    ("xterm", "-e"),
)
PLAIN_EDITORS = ("gnome-text-editor", "gedit", "kate", "mousepad", "xed", "pluma", "leafpad", "featherpad")

Which = Callable[[str], str | None]


class EditorError(TrayappError):
    """No editor could be started for the file."""


def user_editor(environ: Mapping[str, str]) -> list[str]:
    """``$VISUAL``, else ``$EDITOR``, split like a shell would; [] when neither is set."""
    for name in ("VISUAL", "EDITOR"):
        value = environ.get(name, "").strip()
        if value:
            try:
                return shlex.split(value)
            except ValueError:
                continue
    return []


def terminal_emulator(environ: Mapping[str, str], which: Which = shutil.which) -> list[str]:
    """The argv prefix that runs a command in a new terminal window; [] when none is installed."""
    own = environ.get("TERMINAL", "").strip()
    choices = ((own, "-e"), *TERMINALS) if own else TERMINALS
    for name, option in choices:
        if which(name):
            return [name, option] if option else [name]
    return []


def desktop_handler(path: Path, platform: str = sys.platform, wait: bool = False) -> list[str]:
    """The desktop's own way to open a text file; ``wait`` (macOS) returns only once it is closed."""
    if platform == "darwin":
        return ["open", "-W", "-t", str(path)] if wait else ["open", "-t", str(path)]
    if platform == "win32":
        return ["notepad", str(path)]
    return ["xdg-open", str(path)]


def candidates(
    path: Path, environ: Mapping[str, str], foreground: bool, which: Which = shutil.which
) -> list[list[str]]:
    """Every way to open ``path``, best first (pure: tested with tables)."""
    tried: list[list[str]] = []
    editor = user_editor(environ)
    if editor:
        terminal = [] if foreground else terminal_emulator(environ, which)
        if terminal:
            tried.append([*terminal, *editor, str(path)])
        tried.append([*editor, str(path)])  # a graphical $VISUAL needs no terminal
    tried.append(desktop_handler(path, wait=foreground))
    tried += [[name, str(path)] for name in PLAIN_EDITORS if which(name)]
    return tried


def open_in_editor(path: Path, environ: Mapping[str, str], foreground: bool = False) -> list[str]:
    """Open ``path``; returns the argv that worked, EditorError (file and reasons) when none did.

    ``foreground`` (the command line) runs the editor in the caller's terminal and waits for it;
    otherwise (the tray) the editor runs on its own and only a launcher that fails at once counts
    as a failure. Blocking: call it from a worker thread in the tray.
    """
    reasons: list[str] = []
    for argv in candidates(path, environ, foreground):
        if shutil.which(argv[0]) is None:
            reasons.append(f"{argv[0]} not found")
            continue
        try:
            if foreground:
                subprocess.run(argv, check=False)  # the user's own editor: its exit status is theirs
                return argv
            proc = detached(argv)
        except OSError as exc:
            reasons.append(f"{argv[0]} could not start ({exc.strerror})")
            continue
        try:
            code = proc.wait(timeout=GRACE)
        except subprocess.TimeoutExpired:
            return argv  # still running: the editor is open
        if code == 0:
            return argv
        reasons.append(f"{Path(argv[0]).name} exited with status {code}")
    raise EditorError(
        f"could not open an editor for {path}: {'; '.join(reasons)}; set $VISUAL or open the file yourself"
    )
