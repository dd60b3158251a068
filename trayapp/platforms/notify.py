"""Desktop notifications on freedesktop desktops, sent as "trayapp" (pystray sends no app name).

Notification daemons group, filter and label popups by the app name; pystray's own D-Bus
notifier leaves it empty, so popups showed as from an unknown program.
"""

from __future__ import annotations

import logging
from typing import Any

APP_NAME = "trayapp"
BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"
TIMEOUT_MS = -1  # the daemon's default

log = logging.getLogger(__name__)


class DbusNotifier:
    """One popup at a time: each notification replaces the previous one, like pystray's.

    Safe from any thread (Gio's synchronous D-Bus calls are); raises OSError-free: failures are
    logged and reported as False, so a missing daemon never stops the tray.
    """

    def __init__(self) -> None:
        from gi.repository import Gio

        self.gio = Gio
        self.proxy: Any = Gio.DBusProxy.new_for_bus_sync(
            Gio.BusType.SESSION,
            Gio.DBusProxyFlags.DO_NOT_LOAD_PROPERTIES,
            None,
            BUS_NAME,
            OBJECT_PATH,
            BUS_NAME,
            None,
        )
        self.last_id = 0

    def notify(self, title: str, message: str, icon_path: str = "") -> bool:
        from gi.repository import GLib

        try:
            answer = self.proxy.call_sync(
                "Notify",
                GLib.Variant(
                    "(susssasa{sv}i)",
                    (APP_NAME, self.last_id, icon_path, title, message, [], {}, TIMEOUT_MS),
                ),
                self.gio.DBusCallFlags.NONE,
                -1,
                None,
            )
        except GLib.Error as exc:
            log.warning("notification not shown: %s", exc.message)
            return False
        self.last_id = int(answer.unpack()[0])
        return True


def dbus_notifier() -> DbusNotifier | None:
    """A notifier for this session bus, or None off freedesktop desktops (macOS, Windows, no gi)."""
    try:
        return DbusNotifier()
    except Exception as exc:  # ImportError without gi, GLib.Error without a session bus
        log.info("no freedesktop notifications here (%s); using the tray library's", type(exc).__name__)
        return None
