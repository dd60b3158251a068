"""Bench rows for the tray: start to docked and idle PSS next to a bare pystray app, and a warm click.

The tray rows run on one throw-away test desktop (tests/support/desktop.py: Xvfb, trayer, a private
D-Bus, dunst). Each run starts the program and watches trayer's panel in-process (xdock.py: one X
connection, woken by the panel's and sockets' X events, else every 2 ms) until a slot holding that
process's window appears (docked), checks that the icon is drawn, and stops it; in every third round
(``DOCKS_PER_PSS``) it first waits 3 s and reads the process's PSS from ``/proc/PID/smaps_rollup``.
trayapp and the bare app take turns (A B A B ...).
The bare app is ``bare_tray.py``: a pystray Icon with a 2-item menu, in the same venv.

The warm click is in-process: a real TrayController and App on the bench's config, a menu click
(``dispatch``) on an account in switch-role mode, timed until the ``$BROWSER`` command has written
the URL it was given. The first click is not counted (warm: modules loaded).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.xdock import DockWatch

BARE = Path(__file__).with_name("bare_tray.py")
IDLE_SECONDS = 3.0
DOCK_TIMEOUT = 30.0
DOCKS_PER_PSS = 3  # start-time samples per PSS reading: starts vary by ~±20 %; only PSS needs the idle
POLL_SECONDS = 0.002  # woken sooner by the tray's X events; a look costs ~0.1 ms, no process spawned


def pss_mib(pid: int) -> float:
    """Proportional set size of ``pid`` (its share of shared pages counted once), in MiB."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no Pss line for process {pid}")


def dock_once(
    desktop: Any,
    watch: DockWatch,
    argv: list[str],
    env: Mapping[str, str],
    name: str,
    pss: bool = True,
    settled: Callable[[], bool] | None = None,
) -> tuple[float, float | None]:
    """Start ``argv`` on the desktop: (seconds until its window is docked in trayer, PSS MiB 3 s later or None)."""
    before = watch.slots()
    start = time.perf_counter()
    proc = desktop.spawn(argv, name=name, env=dict(env))
    try:
        while True:
            if any(slot.pid == proc.pid for slot in watch.slots()):
                docked = time.perf_counter() - start
                break
            if proc.poll() is not None:
                raise RuntimeError(
                    f"{name} exited {proc.returncode} before docking:\n{desktop.log(name)[-2000:]}"
                )
            if time.perf_counter() - start > DOCK_TIMEOUT:
                raise RuntimeError(
                    f"{name} did not dock in {DOCK_TIMEOUT:.0f} s:\n{desktop.log(name)[-2000:]}"
                )
            watch.wait(POLL_SECONDS)
        desktop.wait_for_tray_icon(proc.pid, timeout=DOCK_TIMEOUT)  # drawn, not only docked
        if settled is not None:  # not timed: what the next start needs from this one
            desktop.wait_for(settled, timeout=DOCK_TIMEOUT, interval=0.01, message=f"{name} to settle")
        memory = None
        if pss:
            time.sleep(IDLE_SECONDS)  # a measurement interval, not a wait for an event
            memory = pss_mib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    deadline = time.perf_counter() + DOCK_TIMEOUT
    while watch.slots() != before:  # the next start meets an idle tray, not trayer tidying up after this one
        if time.perf_counter() > deadline:
            raise RuntimeError(f"trayer kept {name}'s slot {DOCK_TIMEOUT:.0f} s after it exited")
        watch.wait(POLL_SECONDS)
    return docked, memory


def tray_runs(env: Mapping[str, str], trayapp: Path, reps: int, warmup: int) -> dict[str, list[float]] | None:
    """Dock times (ms) and PSS (MiB) of trayapp's tray and of the bare app; None without a test desktop.

    ``reps`` rounds read PSS; each is followed by ``DOCKS_PER_PSS - 1`` rounds that only time the start.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: support/ and bench/
    from support.desktop import Desktop, missing_tools

    from bench.xdock import DockWatch

    if missing_tools():
        print(f"# tray rows skipped: missing {', '.join(missing_tools())}", file=sys.stderr)
        return None
    python = str(trayapp.parent / "python")
    # trayapp's everyday start paints the picture it remembered (trayapp/tray/firstpaint.py); a first
    # start, or one after a file it follows changed, has none and loads before painting: both are timed.
    memory = Path(env["XDG_CACHE_HOME"]) / "trayapp" / "first-paint.json"
    commands = {  # the cold start first: it leaves the memory the everyday start after it paints from
        "trayapp_cold": [str(trayapp), "tray"],
        "trayapp": [str(trayapp), "tray"],
        "bare": [python, str(BARE)],
    }
    found: dict[str, list[float]] = {f"{k}_{m}": [] for k in commands for m in ("ms", "pss")}
    with Desktop() as desktop, DockWatch(desktop.display, desktop.panel, desktop.tray_box) as watch:
        for round_ in range(warmup + reps * DOCKS_PER_PSS):
            pss = round_ >= warmup and (round_ - warmup) % DOCKS_PER_PSS == 0
            for key, argv in commands.items():
                if key == "trayapp_cold":
                    memory.unlink(missing_ok=True)
                elif key == "trayapp" and not memory.exists():
                    raise RuntimeError(f"{memory} is missing: the tray did not remember its picture")
                cold = key == "trayapp_cold"
                seconds, memory_mib = dock_once(
                    desktop, watch, argv, env, f"{key}-{round_}", pss and not cold, memory.exists if cold else None
                )
                if round_ >= warmup:
                    found[f"{key}_ms"].append(seconds * 1000)
                if memory_mib is not None:
                    found[f"{key}_pss"].append(memory_mib)
    return found


def warm_click_ms(env: Mapping[str, str], account: str, reps: int) -> list[float]:
    """Menu click to ``$BROWSER`` having the URL, in-process, after one uncounted click."""
    with tempfile.TemporaryDirectory(prefix="trayapp-bench-click-") as scratch:
        seen = Path(scratch) / "url"
        browser = Path(scratch) / "browser.sh"
        browser.write_text(f'#!/bin/sh\nprintf %s "$1" > "{seen}.tmp" && mv "{seen}.tmp" "{seen}"\n')
        browser.chmod(0o700)
        saved = dict(os.environ)
        os.environ.update(env)
        os.environ["BROWSER"] = f"{browser} %s"
        try:
            return _clicks(account, seen, reps)
        finally:
            os.environ.clear()
            os.environ.update(saved)


def _clicks(account: str, seen: Path, reps: int) -> list[float]:
    import webbrowser

    from trayapp.app import App
    from trayapp.core.config import config_path, load_config
    from trayapp.environment import Environment
    from trayapp.tray.controller import TrayController
    from trayapp.tray.menu import OpenConsole

    webbrowser._tryorder = None  # type: ignore[attr-defined]  # BROWSER is read once per process
    env = Environment.from_system()
    path = config_path(None, env.environ)
    controller = TrayController(path, lambda config: App(config, lambda *a: None, env), env)
    if load_config(path, env.environ).primary.console != "switch-role":
        raise RuntimeError("the warm click is measured in switch-role mode")
    times = []
    try:
        for index in range(reps + 1):
            seen.unlink(missing_ok=True)
            start = time.perf_counter()
            controller.dispatch(OpenConsole(account, "switch-role"))
            _wait(lambda: seen.exists(), f"the browser command (click {index + 1})")
            if "switchrole" not in seen.read_text():
                raise RuntimeError("the browser was not given the switch-role URL")
            if index:
                times.append((time.perf_counter() - start) * 1000)
            _wait(lambda: not controller.busy, "the click's worker to finish")
    finally:
        controller.workers.shutdown(wait=True)
    return times


def _wait(done: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.0002)
