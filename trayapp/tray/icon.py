"""The pystray side: owns the Icon, turns menu Entries into pystray items, keeps the UI thread safe."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PIL import Image

from trayapp.tray import images
from trayapp.tray.firstpaint import IconSpec

if TYPE_CHECKING:  # the first paint needs none of these: they load behind the icon
    from trayapp.environment import Environment
    from trayapp.tray.controller import TrayController
    from trayapp.tray.menu import Entry

log = logging.getLogger(__name__)

ICON_SIZE = 64
TICK_SECONDS = 2.0
READY_SECONDS = 30.0  # how long a click on the icon waits for the tray behind it to finish loading
EMBED_SECONDS = 0.5  # how long loading waits for an XEmbed tray to take the icon in


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
    if spec.terminal:
        base = images.terminal_badge(base)
    if spec.warning:
        base = images.warning_badge(base)
    return images.busy_icon(base) if spec.busy else base


SWATCH_SIZE = 16  # GTK's menu icon size


def swatch_images(icon: Any, made: dict[tuple[int, ...], Any]) -> bool:
    """Show each account item's exact colour as an image where pystray builds Gtk menus.

    pystray's MenuItem has no image, but its gtk and AppIndicator backends (the latter sends the
    Gtk menu over D-Bus, icon data included) create every item in ``_create_menu_item``: wrap it
    and give swatched items a GtkImageMenuItem with the label minus its emoji. Every Gtk item made
    is kept in ``made`` by its position in the menu, so a later change of words can relabel it in
    place. Elsewhere (Windows, macOS, xorg) returns False and labels keep the nearest emoji. Runs
    on the GTK main loop.
    """
    create = getattr(icon, "_create_menu_item", None)
    if create is None:
        return False
    from gi.repository import GdkPixbuf, GLib, Gtk

    pixbufs: dict[str, Any] = {}

    def pixbuf(color: str) -> Any:
        if color not in pixbufs:
            image = images.swatch(SWATCH_SIZE, color or None)
            pixbufs[color] = GdkPixbuf.Pixbuf.new_from_bytes(
                GLib.Bytes.new(image.tobytes()),
                GdkPixbuf.Colorspace.RGB,
                True,
                8,
                image.width,
                image.height,
                image.width * 4,
            )
        return pixbufs[color]

    def create_item(descriptor: Any) -> Any:
        item = with_swatch(descriptor, create(descriptor))
        path = getattr(descriptor, "trayapp_path", None)
        if path is not None:
            made[path] = item
        return item

    def with_swatch(descriptor: Any, plain: Any) -> Any:
        swatch = getattr(descriptor, "trayapp_swatch", None)
        if swatch is None:
            return plain
        color, text = swatch
        item = Gtk.ImageMenuItem.new_with_label(text)
        item.set_image(Gtk.Image.new_from_pixbuf(pixbuf(color)))
        item.set_always_show_image(True)  # menus hide images by default (gtk-menu-images)
        submenu = plain.get_submenu()
        if submenu is not None:
            plain.set_submenu(None)
            item.set_submenu(submenu)
        else:
            item.connect("activate", icon._handler(descriptor))
        item.set_sensitive(plain.get_sensitive())
        return item

    icon._create_menu_item = create_item
    return True


def watch_embedding(icon: Any) -> threading.Event | None:
    """Set once an XEmbed tray has taken the icon in (pystray's GTK backend); None for other backends."""
    status_icon = getattr(icon, "_status_icon", None)
    if status_icon is None:
        return None
    embedded = threading.Event()

    def changed(*_: Any) -> None:
        if status_icon.is_embedded():
            embedded.set()

    status_icon.connect("notify::embedded", changed)
    return embedded


def default_on_click(base: type[Any], surface: PystraySurface) -> type[Any]:
    """pystray's Icon, but a left click runs the default item straight from the menu model.

    pystray's own ``__call__`` first builds every item of a dynamic menu to find the default one,
    then rebuilds the whole toolkit menu: about a second with 300 accounts, between the click and
    the switcher. The click only needs the default action.
    With no default item it opens the menu as a right click does: pystray's GTK (XEmbed) backend
    would do nothing; the AppIndicator and macOS hosts open the menu themselves.
    """

    class Icon(base):  # type: ignore[misc]
        def _on_status_icon_popup_menu(self, *args: Any) -> None:
            """GTK: a click in the moment between the icon showing and its menu being built builds it now."""
            if not surface.has_real_menu and surface.wait_until_ready():
                self._menu_handle = self._create_menu(self.menu)
            super()._on_status_icon_popup_menu(*args)

        def __call__(self) -> None:
            if not surface.activate_default() and getattr(self, "_status_icon", None) is not None:
                self._on_status_icon_popup_menu(self._status_icon, 1, 0)  # GTK: as a right click does

    return Icon


class PystraySurface:
    """The Surface the controller drives, backed by a pystray Icon."""

    def __init__(self, env: Environment, first: IconSpec, title: str = "trayapp"):
        """Open the toolkit with the icon's first picture; a controller is attached once the icon is up.

        pystray builds the toolkit menu before it shows an icon; ours is built after the icon shows
        (:meth:`run`), so the icon never waits on a menu nobody has opened yet.
        """
        name_toolkit_app()
        from trayapp.tray.backend import import_pystray

        pystray: Any = import_pystray(env.environ)
        self.pystray = pystray
        self.env = env
        self.controller: TrayController | None = None
        self.ready = threading.Event()  # set when a controller is attached (or the tray failed to load)
        self.failure: BaseException | None = None
        # What the Icon shows: a refresh changes only what differs, because on a StatusNotifierItem
        # host a rebuilt menu closes the one the user has open.
        self.shown: tuple[IconSpec, str] | None = (first, title)
        self.shown_menu: tuple[Entry, ...] | None = None
        self.has_real_menu = False  # the toolkit has a menu from the controller, not the starting line
        self.stopped = threading.Event()
        self.icon = default_on_click(pystray.Icon, self)(
            "trayapp", icon=render_icon(first), title=title, menu=pystray.Menu(self.menu_items)
        )
        self.made: dict[tuple[int, ...], Any] = {}  # the Gtk item of each menu line, by position
        self.has_images = swatch_images(self.icon, self.made)
        self.embedded = watch_embedding(self.icon)
        self.notifier = env.notifier() if sys.platform.startswith("linux") else None  # popups named "trayapp"

    def menu_items(self) -> list[Any]:
        """pystray's items for the controller's menu; before one is attached, a single disabled line.

        Never empty: pystray's AppIndicator backend fails to show an icon whose menu is empty.
        """
        if self.controller is None:
            return [self.pystray.MenuItem("trayapp is starting…", None, enabled=False)]
        self.has_real_menu = True
        return self.items(self.controller.menu())

    def attach(self, controller: TrayController) -> None:
        """Let ``controller`` drive the icon: its picture, words and menu replace the first ones."""
        self.controller = controller
        controller.surface = self
        self.ready.set()
        controller.refresh()
        log.debug("the tray behind the icon is ready")

    def wait_until_ready(self) -> bool:
        """Wait for the controller behind the icon (it loads after the first paint); False if it never came."""
        return self.ready.wait(READY_SECONDS) and self.controller is not None

    def items(self, entries: tuple[Entry, ...], at: tuple[int, ...] = ()) -> list[Any]:
        pystray = self.pystray
        items: list[Any] = []
        for index, entry in enumerate(entries):
            if entry.separator:
                items.append(pystray.Menu.SEPARATOR)
                continue
            action = self.handler(entry)
            checked = (lambda _item, value=entry.checked: bool(value)) if entry.checked is not None else None
            submenu = pystray.Menu(*self.items(entry.children, (*at, index))) if entry.children else None
            item = pystray.MenuItem(
                entry.label,
                submenu if submenu is not None else action,
                checked=checked,
                enabled=entry.enabled,
                default=entry.default,
            )
            item.trayapp_swatch = entry.swatch  # read by swatch_images(), where the backend has images
            item.trayapp_path = (*at, index)
            items.append(item)
        return items

    def activate_default(self) -> bool:
        """A left click, where the host sends one: the menu's default item ("Switch account…"), if any."""
        if not self.wait_until_ready() or self.controller is None:
            return False
        menu = self.shown_menu or self.controller.menu()
        entry = next((e for e in menu if e.default and e.action), None)
        if entry is None or entry.action is None:
            return False
        self.controller.dispatch(entry.action)
        return True

    def handler(self, entry: Entry) -> Callable[[Any, Any], None]:
        def run(_icon: Any, _item: Any) -> None:
            if entry.action and self.controller:
                self.controller.dispatch(entry.action)

        return run

    # -- Surface -------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.stopped.is_set() or self.controller is None:
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
                if not self.relabel(self.shown_menu, menu):
                    self.made.clear()
                    self.icon.update_menu()
                self.shown_menu = menu

        call_on_ui_thread(apply)

    def relabel(self, old: tuple[Entry, ...] | None, new: tuple[Entry, ...]) -> bool:
        """Change only the words of the toolkit's items when only words changed; an open menu stays open."""
        from trayapp.tray.relabel import label_changes

        changes = label_changes(old, new) if old is not None and self.has_images else None
        if changes is None or any(path not in self.made for path in changes):
            return False
        for path, text in changes.items():
            self.made[path].set_label(text)
        return True

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
        if self.notifier is not None:
            icon_path = getattr(self.icon, "_icon_path", None)  # pystray's PNG of the current icon
            if self.notifier.notify(title, message, icon_path if isinstance(icon_path, str) else ""):
                return
        if getattr(self.icon, "HAS_NOTIFICATION", False):
            call_on_ui_thread(lambda: self.icon.notify(message, title))

    def stop(self) -> None:
        self.stopped.set()
        call_on_ui_thread(self.icon.stop)

    # -- main loop -----------------------------------------------------------------------

    def run(
        self,
        load: Callable[[], TrayController],
        when_attached: Callable[[TrayController], None] | None = None,
    ) -> None:
        """Show the icon, then (unless one is attached already) ``load`` the controller behind it.

        Blocks in the toolkit's loop until Quit; raises what ``load`` raised, once the loop has ended.
        """

        def setup(icon: Any) -> None:
            icon.visible = True  # the first picture
            controller = self.controller
            if controller is None:
                # XEmbed: let the tray host take the icon in before loading competes for the CPU.
                if self.embedded is not None:
                    taken = self.embedded.wait(EMBED_SECONDS)
                    log.debug(
                        "the tray %s", "took the icon in" if taken else f"gave no sign in {EMBED_SECONDS} s"
                    )
                try:
                    controller = load()
                except BaseException as exc:  # raised again by run(), on the main thread
                    self.failure = exc
                    self.ready.set()
                    self.stop()
                    return
                self.attach(controller)  # its picture, words and menu, behind the icon
            self.set_tooltip(self.icon.title)
            threading.Thread(target=self.ticker, args=(controller,), name="trayapp-tick", daemon=True).start()
            if when_attached:
                when_attached(controller)

        self.icon.run(setup=setup)
        if self.failure is not None:
            raise self.failure

    def ticker(self, controller: TrayController) -> None:
        while not self.stopped.wait(TICK_SECONDS):
            try:
                controller.tick()
            except Exception:
                log.exception("tick failed")
