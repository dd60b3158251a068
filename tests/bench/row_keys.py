"""The bench's rows, by key and in table order: what run_bench.py must produce and its smoke test checks."""

from __future__ import annotations

MENU_SIZES = (10, 100, 500, 1000)
# Rows with the other tool's figure (the AWS CLI v1, or Python itself) and a ratio beside trayapp's.
COMPARED = (
    "startup",
    "python_floor",
    "creds_floor",
    "creds_hit",
    "creds_hit_offline",
    "identity",
    "creds_miss",
    "signed_cold",
    "rss_hit",
    "rss_hit_offline",
    "rss_miss",
)
SWITCHER_ROWS = (
    "switch_filter_5000",
    "switch_keystroke_5000",
    "switch_paint_first",
    "switch_paint_click",
    "switch_paint_tray",
    "switch_command_tray",
    "switch_command_alone",
)
# Rows with trayapp's figure only.
TRAYAPP_ONLY = (
    "warm_click",
    *(f"menu_{n}" for n in MENU_SIZES),
    f"menu_{MENU_SIZES[-1]}_first",
    "load_500",
    "load_1000",
    *SWITCHER_ROWS,
)
ROW_KEYS = COMPARED + TRAYAPP_ONLY
# Compared with a bare pystray app; only where the test desktop's tools are installed.
TRAY_KEYS = ("tray_start", "tray_start_cold", "tray_pss")
