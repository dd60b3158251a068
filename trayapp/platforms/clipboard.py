"""The clipboard through pyperclip (xclip/xsel, pbcopy, Win32), with secrets cleared later."""

from __future__ import annotations

import subprocess
import sys

from trayapp.core.errors import TrayappError


def fingerprint(text: str) -> str:
    """A hash that tells whether the clipboard still holds what we put there, without keeping it."""
    import hashlib  # OpenSSL's libcrypto: ~3.5 MiB, not needed to start the tray

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def copy(text: str) -> None:
    """Put text on the clipboard; TrayappError when this system has no clipboard tool."""
    import pyperclip

    try:
        pyperclip.copy(text)
    except pyperclip.PyperclipException:
        raise TrayappError(
            "no clipboard tool found; install xclip or xsel (or wl-clipboard on Wayland)"
        ) from None


def paste() -> str:
    """The clipboard's text ("" when it holds none)."""
    import pyperclip

    try:
        return str(pyperclip.paste() or "")
    except pyperclip.PyperclipException:
        raise TrayappError(
            "no clipboard tool found; install xclip or xsel (or wl-clipboard on Wayland)"
        ) from None


def clear_if_holds(expected_fingerprint: str) -> bool:
    """Empty the clipboard only if it still holds what we copied; True when it did."""
    try:
        if fingerprint(paste()) != expected_fingerprint:
            return False
        copy("")
    except TrayappError:
        return False
    return True


def clear_later(expected_fingerprint: str, seconds: int) -> None:
    """Leave a small detached process that clears the clipboard after ``seconds`` if unchanged."""
    if seconds <= 0:
        return
    subprocess.Popen(
        [sys.executable, "-m", "trayapp.platforms.clipboard", expected_fingerprint, str(seconds)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


if __name__ == "__main__":
    import time

    time.sleep(int(sys.argv[2]))
    clear_if_holds(sys.argv[1])
