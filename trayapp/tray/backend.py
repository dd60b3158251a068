"""Which pystray backend suits this session: StatusNotifierItem when a host listens, else XEmbed via GTK."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)

WATCHER = "org.kde.StatusNotifierWatcher"


def watcher_on_session_bus(timeout_ms: int = 1000) -> bool:
    """Whether a StatusNotifierWatcher (KDE, waybar, xfce4-panel, GNOME's AppIndicator extension) is on the bus."""
    try:
        from gi.repository import Gio, GLib
    except ImportError:
        return False
    try:
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        reply = bus.call_sync(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "NameHasOwner",
            GLib.Variant("(s)", (WATCHER,)),
            GLib.VariantType.new("(b)"),
            Gio.DBusCallFlags.NONE,
            timeout_ms,
            None,
        )
    except GLib.Error as exc:
        log.debug("no session bus to ask for a StatusNotifierWatcher: %s", exc.message)
        return False
    return bool(reply.unpack()[0])


def choose_backend(
    environ: Mapping[str, str],
    platform: str = sys.platform,
    has_watcher: Callable[[], bool] = watcher_on_session_bus,
) -> tuple[str | None, str]:
    """The backend name to give pystray (None: pystray's own choice) and why, for the --debug log."""
    forced = environ.get("PYSTRAY_BACKEND")
    if forced:
        return forced, "PYSTRAY_BACKEND is set"
    if platform in ("darwin", "win32"):
        return None, f"pystray's only backend on {platform}"
    if has_watcher():
        return "appindicator", f"a StatusNotifierWatcher ({WATCHER}) is on the session bus"
    if environ.get("WAYLAND_DISPLAY") and not environ.get("DISPLAY"):
        log.warning(
            "no StatusNotifierItem host on this Wayland session and no X11 to fall back on: "
            "the icon needs a tray that speaks StatusNotifierItem (waybar's tray, KDE, GNOME's AppIndicator extension)"
        )
    return "gtk", "no StatusNotifierWatcher on the session bus: an XEmbed icon through GTK"


def import_pystray(environ: Mapping[str, str]) -> object:
    """Import pystray with the backend this session needs (pystray picks it once, at import).

    ``environ`` is read; only PYSTRAY_BACKEND is written to os.environ, because pystray reads it there.
    """
    if "pystray" in sys.modules:
        return sys.modules["pystray"]
    name, why = choose_backend(environ)
    log.debug("tray backend: %s (%s)", name or "pystray's default", why)
    previous = environ.get("PYSTRAY_BACKEND")
    if name:
        os.environ["PYSTRAY_BACKEND"] = name
    try:
        import pystray
    except ImportError as exc:
        if previous is not None:
            raise
        log.debug("tray backend %s failed (%s); trying pystray's own order", name, exc)
        os.environ.pop("PYSTRAY_BACKEND", None)
        import pystray
    finally:  # our children (browser, editor) should not inherit our choice
        if previous is None:
            os.environ.pop("PYSTRAY_BACKEND", None)
    return pystray
