"""The clipboard through the desktop's own tool (wl-clipboard, xclip/xsel, pbcopy; Win32 via pyperclip).

Every helper process gets /dev/null for stdin/stdout/stderr: xclip and wl-copy leave a process
behind that serves the selection, and one that inherited our stdout would keep
``trayapp creds X --copy | cat`` (or ``$(...)``) waiting until another program takes the clipboard.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from typing import NamedTuple

from trayapp.core.clipmark import fingerprint
from trayapp.core.errors import TrayappError

TIMEOUT_SECONDS = 10


class Tool(NamedTuple):
    """How to copy, paste and clear with one clipboard program."""

    name: str
    copy: list[str]
    paste: list[str]
    clear: list[str] | None  # None: copy the empty string instead


WL_COPY = Tool(
    "wl-copy", ["wl-copy", "--type", "text/plain"], ["wl-paste", "--no-newline"], ["wl-copy", "--clear"]
)
XCLIP = Tool(
    "xclip", ["xclip", "-selection", "clipboard", "-in"], ["xclip", "-selection", "clipboard", "-out"], None
)
XSEL = Tool("xsel", ["xsel", "--clipboard", "--input"], ["xsel", "--clipboard", "--output"], None)
PBCOPY = Tool("pbcopy", ["pbcopy"], ["pbpaste"], None)


def choose_tool(
    platform: str,
    environ: Mapping[str, str],
    which: Callable[[str], str | None] = shutil.which,
) -> Tool | None:
    """The clipboard program for this session; None on Windows (pyperclip calls Win32 directly).

    Raises TrayappError when there is no display to own a clipboard, or no tool for it.
    """
    if platform == "win32":
        return None
    if platform == "darwin":
        return PBCOPY
    wayland, x11 = environ.get("WAYLAND_DISPLAY"), environ.get("DISPLAY")
    if not wayland and not x11:
        raise TrayappError(
            "there is no display to hold the clipboard ($DISPLAY and $WAYLAND_DISPLAY are unset); "
            "leave out --copy to print instead"
        )
    if wayland and which("wl-copy") and which("wl-paste"):
        return WL_COPY
    if x11:
        for tool in (XCLIP, XSEL):
            if which(tool.copy[0]):
                return tool
    wanted = (
        "wl-clipboard" if wayland and not x11 else "xclip or xsel" + (" (or wl-clipboard)" if wayland else "")
    )
    raise TrayappError(f"no clipboard tool found; install {wanted}")


def _run(argv: list[str], text: str | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run a clipboard helper with stdio of its own (stdout piped only when we read it)."""
    try:
        return subprocess.run(
            argv,
            input=text.encode("utf-8") if text is not None else None,
            stdin=None if text is not None else subprocess.DEVNULL,
            stdout=subprocess.DEVNULL if text is not None else subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=TIMEOUT_SECONDS,
            check=False,
            start_new_session=True,  # the selection server it leaves outlives no terminal of ours
        )
    except subprocess.TimeoutExpired:
        raise TrayappError(
            f"the clipboard tool {argv[0]} did not answer within {TIMEOUT_SECONDS} s"
        ) from None
    except OSError as exc:
        raise TrayappError(f"could not run the clipboard tool {argv[0]}: {exc.strerror}") from None


class DesktopClipboard:
    """The clipboard of the session that ``environ`` describes ($WAYLAND_DISPLAY, $DISPLAY)."""

    def __init__(self, platform: str, environ: Mapping[str, str]):
        self.platform = platform
        self.environ = environ

    def _tool(self) -> Tool | None:
        return choose_tool(self.platform, self.environ)

    def copy(self, text: str) -> None:
        """Put text on the clipboard; TrayappError when this session has no clipboard (tool)."""
        tool = self._tool()
        if tool is None:
            _pyperclip_copy(text)
            return
        done = _run(tool.copy, text)
        if done.returncode != 0:
            raise TrayappError(f"{tool.name} could not take the clipboard (exit {done.returncode})")

    def paste(self) -> str:
        """The clipboard's text ("" when it holds none)."""
        tool = self._tool()
        if tool is None:
            import pyperclip

            return str(pyperclip.paste() or "")
        done = _run(tool.paste)
        return done.stdout.decode("utf-8", errors="replace") if done.returncode == 0 else ""

    def clear(self) -> None:
        """Empty the clipboard (wl-copy --clear on Wayland; an empty text elsewhere)."""
        tool = self._tool()
        if tool is not None and tool.clear is not None:
            _run(tool.clear, "")
        else:
            self.copy("")

    def clear_if_holds(self, expected_fingerprint: str) -> bool:
        """Empty the clipboard only if it still holds what we copied; True when it did."""
        try:
            if fingerprint(self.paste()) != expected_fingerprint:
                return False
            self.clear()
        except TrayappError:
            return False
        return True

    def clear_later(self, expected_fingerprint: str, seconds: int) -> None:
        """Leave a small detached process that clears the clipboard after ``seconds`` if unchanged."""
        if seconds <= 0:
            return
        subprocess.Popen(
            [sys.executable, "-m", "trayapp.platforms.clipboard", expected_fingerprint, str(seconds)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=dict(self.environ),
        )


def _pyperclip_copy(text: str) -> None:
    import pyperclip

    try:
        pyperclip.copy(text)
    except pyperclip.PyperclipException:
        raise TrayappError("the clipboard is not available") from None


if __name__ == "__main__":  # the detached clearer that clear_later starts: an entry point of its own
    import time

    from trayapp.environment import Environment

    time.sleep(int(sys.argv[2]))
    Environment.from_system().clipboard.clear_if_holds(sys.argv[1])
