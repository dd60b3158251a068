"""The pystray side: owns the Icon, turns menu Entries into pystray items, keeps the UI thread safe."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

from PIL import Image

from trayapp.tray import images
from trayapp.tray.controller import IconSpec, TrayController
from trayapp.tray.menu import Entry

log = logging.getLogger(__name__)

ICON_SIZE = 64
TICK_SECONDS = 2.0


def call_on_ui_thread(work: Callable[[], None]) -> None:
    """Run ``work`` where the toolkit wants it: AppKit's main thread on macOS.

    pystray's GTK and AppIndicator backends already hand their calls to the GLib main loop,
    and Win32 posts messages, so elsewhere a direct call is safe.
    """
    if sys.platform == "darwin":
        from PyObjCTools import AppHelper  # type: ignore[import-not-found,unused-ignore]

        AppHelper.callAfter(work)
    else:
        work()


def name_toolkit_app() -> None:
    """Call ourselves "trayapp" to GTK (window class, notifications) before pystray initialises it."""
    try:
        from gi.repository import GLib
    except ImportError:
        return  # not a GTK platform
    GLib.set_prgname("trayapp")
    GLib.set_application_name("trayapp")


def render_icon(spec: IconSpec, size: int = ICON_SIZE) -> Image.Image:
    """The picture for an icon state."""
    base = (
        images.account_icon(size, spec.color, images.initials(spec.label or ""))
        if spec.color
        else images.mark(size)
    )
    return images.busy_icon(base) if spec.busy else base


class PystraySurface:
    """The Surface the controller drives, backed by a pystray Icon."""

    def __init__(self, controller: TrayController):
        name_toolkit_app()
        import pystray

        self.pystray = pystray
        self.controller = controller
        self.shown: tuple[IconSpec, str] | None = None
        self.shown_menu: tuple[Entry, ...] | None = None
        self.stopped = threading.Event()
        self.icon = pystray.Icon(
            "trayapp",
            icon=render_icon(controller.icon_spec()),
            title=controller.tooltip(),
            menu=pystray.Menu(lambda: self.items(controller.menu())),
        )
        controller.surface = self

    def items(self, entries: tuple[Entry, ...]) -> list[Any]:
        pystray = self.pystray
        items: list[Any] = []
        for entry in entries:
            if entry.separator:
                items.append(pystray.Menu.SEPARATOR)
                continue
            action = self.handler(entry)
            checked = (lambda _item, value=entry.checked: bool(value)) if entry.checked is not None else None
            submenu = pystray.Menu(*self.items(entry.children)) if entry.children else None
            items.append(
                pystray.MenuItem(
                    entry.label,
                    submenu if submenu is not None else action,
                    checked=checked,
                    enabled=entry.enabled,
                    default=entry.default,
                )
            )
        return items

    def handler(self, entry: Entry) -> Callable[[Any, Any], None]:
        def run(_icon: Any, _item: Any) -> None:
            if entry.action:
                self.controller.dispatch(entry.action)

        return run

    # -- Surface -------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.stopped.is_set():
            return
        spec, title, menu = self.controller.icon_spec(), self.controller.tooltip(), self.controller.menu()

        def apply() -> None:
            if self.shown is None or self.shown[0] != spec:
                self.icon.icon = render_icon(spec)
            if self.shown is None or self.shown[1] != title:
                self.icon.title = title
                self.set_tooltip(title)
            self.shown = (spec, title)
            if menu != self.shown_menu:  # the tick refreshes often; rebuild the toolkit menu only on change
                self.shown_menu = menu
                self.icon.update_menu()

        call_on_ui_thread(apply)

    def set_tooltip(self, text: str) -> None:
        """pystray's GTK backend sets only the accessible title; give XEmbed trays a real tooltip too."""
        status_icon = getattr(
            self.icon, "_status_icon", None
        )  # GTK backend only; AppIndicator has no tooltips
        if status_icon is not None:
            from gi.repository import GLib

            GLib.idle_add(status_icon.set_tooltip_text, text)

    def notify(self, title: str, message: str) -> None:
        if self.stopped.is_set():
            return
        if getattr(self.icon, "HAS_NOTIFICATION", False):
            call_on_ui_thread(lambda: self.icon.notify(message, title))

    def stop(self) -> None:
        self.stopped.set()
        call_on_ui_thread(self.icon.stop)

    # -- main loop -----------------------------------------------------------------------

    def run(self, when_shown: Callable[[], None] | None = None) -> None:
        """Show the icon and block in the toolkit's main loop until Quit; ``when_shown`` runs once it is up."""

        def setup(icon: Any) -> None:
            icon.visible = True
            threading.Thread(target=self.ticker, name="trayapp-tick", daemon=True).start()
            if when_shown:
                when_shown()

        self.icon.run(setup=setup)

    def ticker(self) -> None:
        while not self.stopped.wait(TICK_SECONDS):
            try:
                self.controller.tick()
            except Exception:
                log.exception("tick failed")
