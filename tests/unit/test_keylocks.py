"""FileKeyLocks takes the same lock as filelock (an older trayapp still running), without importing it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from trayapp.core.errors import TrayappError
from trayapp.core.keylocks import FileKeyLocks

HOLDER = """
import sys
from filelock import FileLock
lock = FileLock(sys.argv[1], mode=0o600)
lock.acquire()
print("held", flush=True)
sys.stdin.read()  # until the test closes our stdin
lock.release()
print("released", flush=True)
"""

pytestmark = pytest.mark.skipif(os.name != "posix", reason="flock is the POSIX path")


def test_a_lock_held_by_filelock_in_another_process_times_out_then_is_taken_once_released(
    tmp_path: Path,
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "k.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        busy = r"^another trayapp has been fetching this session for 0 s"
        with pytest.raises(TrayappError, match=busy), FileKeyLocks(tmp_path, wait=0.2).lock("k"):
            pytest.fail("the lock was taken while another process held it")
        assert holder.stdin is not None
        holder.stdin.close()
        assert holder.stdout.readline() == "released\n"
    finally:
        holder.wait(timeout=30)
    with FileKeyLocks(tmp_path, wait=5).lock("k"):
        assert (tmp_path / "k.lock").stat().st_mode & 0o777 == 0o600


def test_taking_and_releasing_a_key_lock_does_not_import_filelock(tmp_path: Path) -> None:
    probe = (
        "import sys; from pathlib import Path; from trayapp.core.keylocks import FileKeyLocks\n"
        f"locks = FileKeyLocks(Path({str(tmp_path)!r}) / 'locks')\n"
        "with locks.lock('a'):\n    pass\n"
        "with locks.lock('a'):\n    pass\n"
        "print('filelock' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout == "False\n"
    assert (tmp_path / "locks" / "a.lock").exists()
