"""Quick switcher figures for run_bench.py: per-keystroke filtering, and the time to first paint.

- ``switch_filter_5000``: in-process, :class:`trayapp.core.ranking.Ranker` over 5,000 accounts, one
  call per keystroke of a typed query (with a backspace that widens the pool again).
- ``switch_keystroke_5000``: the same keystrokes in the real Tk window on Xvfb: filter and redraw,
  up to Tk having drawn the rows (``update_idletasks``).
- ``switch_paint_click``: the real tray on a test desktop (Xvfb, trayer, D-Bus, dunst) with 300
  accounts: from just before ``xdotool click 1`` on the icon to the switcher list's first Expose
  event, which the tray logs (with ``--debug``) on the same monotonic clock; after the first open.
- ``switch_paint_first``: the first such click after the tray starts, which loads Tk and builds
  the window (the tray does that on first use, to keep ~13 MiB out of its idle memory).
- ``switch_paint_tray``: the part of that inside the switcher: from the request reaching it to
  that Expose.
- ``switch_command_tray`` / ``switch_command_alone``: what a desktop shortcut does: from starting
  ``trayapp switch`` to that first Expose, with the tray running (the command asks it over its
  socket) and with no tray (``--standalone``: Python, the config, Tk, one window).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

KEYSTROKES = ("t", "te", "tea", "team", "team ", "team 4", "team 42", "team 4", "team 42", "team 42 a")


def accounts(count: int) -> list[Any]:
    from trayapp.core.model import Account

    return [
        Account(
            name=f"acct-{i:04d}",
            display_name=f"Account {i:04d} of team {i % 97}",
            account_id=f"{100000000000 + i:012d}",
            role_name="ops/admin" if i % 3 else "admin",
            color=f"{(i * 2654435761) & 0xFFFFFF:06x}",
            group=f"Team {i % 40}",
        )
        for i in range(count)
    ]


def config_toml(chosen: list[Any]) -> str:
    return "\n".join(
        f'[[account]]\nname = "{a.name}"\ndisplay_name = "{a.display_name}"\naccount_id = "{a.account_id}"\n'
        f'role_name = "{a.role_name}"\ncolor = "#{a.color}"\ngroup = "{a.group}"\n'
        for a in chosen
    )


def filter_times(count: int, rounds: int) -> list[float]:
    """Milliseconds per keystroke: each round types KEYSTROKES into a fresh Ranker."""
    from trayapp.core.ranking import Ranker

    everyone = accounts(count)
    times = []
    for _ in range(rounds):
        ranker = Ranker(everyone, ["acct-0042", "acct-0007"])
        for query in KEYSTROKES:
            began = time.perf_counter()
            ranker.rank(query, 200)
            times.append((time.perf_counter() - began) * 1000)
    return times


WINDOW_SCRIPT = textwrap.dedent(
    """\
    import json, sys, time, tkinter as tk
    sys.path.insert(0, {bench!r})
    from switcher_bench import KEYSTROKES, accounts
    from trayapp.switcher.window import SwitcherWindow

    everyone = accounts({count})
    root = tk.Tk(className="trayapp")
    window = SwitcherWindow(root, lambda: (everyone, ()), lambda a, w: None, lambda: None)
    window.show()
    root.update()
    times = []
    for _ in range({rounds}):
        for query in ("", *KEYSTROKES):
            began = time.perf_counter()
            window.query.set(query)
            root.update_idletasks()
            if query:
                times.append((time.perf_counter() - began) * 1000)
    print(json.dumps(times))
    """
)


def display_rows(
    root: Path, quick: bool, row: Callable[..., Any], summary: Callable[..., Any], trayapp: Path
) -> list[Any]:
    """The rows that need a display, ``trayapp`` being the installed command; raises RuntimeError naming what is missing."""
    import json

    from support.desktop import Desktop, missing_tools

    missing = missing_tools()
    if missing:
        raise RuntimeError(f"switcher display rows need {', '.join(missing)} (see TESTING.md)")
    rows = []
    rounds = 1 if quick else 5
    with Desktop(artifacts=root / "desktop") as desktop:
        script = root / "window_bench.py"
        script.write_text(WINDOW_SCRIPT.format(bench=str(Path(__file__).parent), count=5000, rounds=rounds))
        done = subprocess.run(
            [sys.executable, str(script)],
            env=desktop.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"the window bench failed:\n{done.stderr}")
        rows.append(
            row(
                "switch_keystroke_5000",
                "switcher keystroke in the Tk window (filter + redraw), 5,000 accounts",
                "ms",
                summary(json.loads(done.stdout)),
            )
        )
        rows += tray_paint_rows(root, desktop, 3 if quick else 15, row, summary, trayapp)
    return rows


def tray_paint_rows(
    root: Path, desktop: Any, opens: int, row: Callable[..., Any], summary: Callable[..., Any], trayapp: Path
) -> list[Any]:
    home = root / "paint-home"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "trayapp.toml"
    config.write_text(config_toml(accounts(300)))
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "AWS_CONFIG_FILE": str(home / "no-aws-config"),
        "TRAYAPP_CONFIG": str(config),
    }
    proc = desktop.spawn([str(trayapp), "tray", "--debug"], name="tray", env=env)
    switch = [str(trayapp), "switch", "--debug"]
    icon = desktop.wait_for_tray_icon(proc.pid, timeout=20)
    desktop.move(*icon.center)

    paints = re.compile(r"switcher painted ([\d.]+) ms after it was asked for \(at monotonic ([\d.]+)\)")
    clicks = []
    opens += 1  # the first open builds Tk and the window: a row of its own, not in the warm figures
    for n in range(1, opens + 1):
        time.sleep(0.3)  # let the previous close settle
        clicked = time.monotonic()  # CLOCK_MONOTONIC: the same clock the tray logs with
        desktop.run(["xdotool", "click", "1"])
        found = desktop.wait_for(
            lambda n=n: len(paints.findall(desktop.log("tray"))) >= n and paints.findall(desktop.log("tray")),
            timeout=10,
            interval=0.01,
            message="the switcher's first paint in the tray log",
        )
        clicks.append((float(found[n - 1][1]) - clicked) * 1000)
        desktop.key("Escape")
        desktop.wait_for(
            lambda: not desktop.windows_named("^trayapp: switch account$"),
            timeout=10,
            message="the switcher to hide",
        )
    painted = [float(asked) for asked, _ in paints.findall(desktop.log("tray"))][1:]
    first, clicks = clicks[:1], clicks[1:]

    def command_to_paint(
        argv: list[str], log: Callable[[], str], seen: int, out: Path | None = None
    ) -> float:
        """From starting ``argv`` (a shortcut's command) to the switcher's next first paint in ``log``."""
        began = time.monotonic()
        with open(out or os.devnull, "wb") as sink:
            subprocess.Popen(argv, env={**desktop.env, **env}, stdout=sink, stderr=subprocess.STDOUT)
        found = desktop.wait_for(
            lambda: len(paints.findall(log())) > seen and paints.findall(log()),
            timeout=20,
            interval=0.01,
            message="the switcher's first paint",
        )
        return (float(found[seen][1]) - began) * 1000

    by_command = []
    for _ in range(opens - 1):
        time.sleep(0.3)
        seen = len(paints.findall(desktop.log("tray")))
        by_command.append(command_to_paint(switch, lambda: desktop.log("tray"), seen))
        desktop.key("Escape")
        desktop.wait_for(lambda: not desktop.windows_named("^trayapp: switch account$"), message="the hide")
    proc.terminate()
    proc.wait(timeout=10)
    alone = []
    for n in range(max((opens - 1) // 3, 1)):
        out = root / f"switch-{n}.log"
        alone.append(command_to_paint([*switch, "--standalone"], out.read_text, 0, out))
        desktop.key("Escape")
        desktop.wait_for(lambda: not desktop.windows_named("^trayapp: switch account$"), message="the close")
    return [
        row(
            "switch_paint_first",
            "switcher first paint from the first tray click after start (loads Tk, builds the window)",
            "ms",
            summary(first),
        ),
        row(
            "switch_paint_click",
            "switcher first paint from the tray click (300 accounts, xdotool click to first Expose)",
            "ms",
            summary(clicks),
        ),
        row(
            "switch_paint_tray",
            "switcher first paint from the tray's menu action (tray log)",
            "ms",
            summary(painted),
        ),
        row(
            "switch_command_tray",
            "`trayapp switch` started to first paint, tray running (300 accounts)",
            "ms",
            summary(by_command),
        ),
        row(
            "switch_command_alone",
            "`trayapp switch` started to first paint, no tray (300 accounts)",
            "ms",
            summary(alone),
        ),
    ]
