"""Starting a desktop helper (a browser, an editor) that outlives the call and never holds our output."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence


def detached(argv: Sequence[str]) -> subprocess.Popen[bytes]:
    """``argv`` in a session of its own with /dev/null stdio: `trayapp open X | cat` ends when we do.

    Raises OSError when it cannot start.
    """
    return subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        close_fds=True,
        start_new_session=True,
    )
