"""``trayapp exec``'s child: signals forwarded as aws-vault does, its cleanup awaited, its status passed on."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence

FORWARDED = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2")
SI_KERNEL = 0x80  # si_code of a signal the terminal sent to the whole foreground process group


def exit_status(returncode: int) -> int:
    """The child's exit code, or 128+N when signal N ended it (what a shell reports)."""
    return 128 - returncode if returncode < 0 else returncode


def run_child(argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Run ``argv`` and wait for it, however long its cleanup takes; never kill it ourselves.

    SIGINT, SIGTERM, SIGHUP (and QUIT, USR1, USR2) sent to trayapp are passed to the child.
    A signal the terminal sent (Ctrl-C) already reached the child, which shares our process
    group, so it is not sent twice. Raises FileNotFoundError or OSError when it cannot start.
    """
    if os.name != "posix":
        return _run_plain(argv, env)
    wanted = {getattr(signal, name) for name in FORWARDED} | {signal.SIGCHLD}
    before = signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
    try:
        child = subprocess.Popen(
            list(argv), env=dict(env), preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_SETMASK, before)
        )
        while True:
            info = signal.sigwaitinfo(wanted)
            if info.si_signo == signal.SIGCHLD:
                if child.poll() is not None:
                    break
                continue
            if info.si_code != SI_KERNEL:
                child.send_signal(info.si_signo)
        return exit_status(child.returncode)
    finally:
        _drain(wanted)  # signals that came while the child ended are not ours to act on
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _drain(wanted: set[signal.Signals]) -> None:
    """Consume pending blocked signals, so unblocking them does not end trayapp after the child."""
    while wanted & signal.sigpending():
        signal.sigtimedwait(wanted, 0)


def _run_plain(argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Windows: Ctrl-C reaches the child on its own; wait for it instead of killing it."""
    child = subprocess.Popen(list(argv), env=dict(env))
    while True:
        try:
            return exit_status(child.wait())
        except KeyboardInterrupt:
            continue
