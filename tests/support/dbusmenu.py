"""What a tray's AppIndicator menu says over D-Bus (com.canonical.dbusmenu), read with gdbus."""

from __future__ import annotations

import re

from support.desktop import Desktop

MENU_PATH = "/org/ayatana/NotificationItem/trayapp/Menu"


def gdbus(desktop: Desktop, dest: str, path: str, method: str, *args: str, check: bool = True) -> str:
    """One method call on the desktop's session bus; its answer as gdbus prints it."""
    argv = [
        "gdbus",
        "call",
        "--session",
        "--dest",
        dest,
        "--object-path",
        path,
        "--method",
        method,
        "--",
        *args,
    ]
    return desktop.run(argv, check=check)


def bus_name_of(desktop: Desktop, pid: int) -> str:
    """The unique bus name the process ``pid`` holds."""
    bus = "org.freedesktop.DBus"
    names = re.findall(r"'(:[\d.]+)'", gdbus(desktop, bus, "/org/freedesktop/DBus", f"{bus}.ListNames"))
    ours = [
        n
        for n in names
        if f"uint32 {pid}"
        in gdbus(desktop, bus, "/org/freedesktop/DBus", f"{bus}.GetConnectionUnixProcessID", n, check=False)
    ]
    assert ours, names
    return ours[0]


def menu_layout(desktop: Desktop, pid: int) -> str:
    """The whole menu layout, labels and properties included, as the tray sends it to its host."""
    return gdbus(
        desktop, bus_name_of(desktop, pid), MENU_PATH, "com.canonical.dbusmenu.GetLayout", "0", "-1", "[]"
    )


def labels(layout: str) -> list[str]:
    """Every item's label in a layout, in order."""
    return re.findall(r"'label': <'([^']*)'>", layout)
