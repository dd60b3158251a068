"""The X11 + StatusNotifierItem test desktop: Xvfb, xfce4-panel 4.18 with only its systray plugin, and dunst.

xfce4-panel 4.18's systray plugin is a StatusNotifierWatcher and host as well as an XEmbed tray, so
pystray's AppIndicator backend docks there and the panel draws its menu (a GTK popup menu: the X11
Desktop's menu, click and key helpers work unchanged). The panel reads its layout from xfconf, which
the private D-Bus starts on demand with our ``XDG_CONFIG_HOME``: one panel across the top, 36 px high,
holding the systray and nothing else.
"""

from __future__ import annotations

import shutil

from PIL import Image

from support import desktops
from support.desktop import Box, Desktop, _column_runs, _most_common

PANEL_HEIGHT = 36

PANEL_XML = f"""\
<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0">
  <property name="configver" type="int" value="2"/>
  <property name="panels" type="array">
    <value type="int" value="1"/>
    <property name="dark-mode" type="bool" value="false"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=6;x=0;y=0"/>
      <property name="length" type="uint" value="100"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="size" type="uint" value="{PANEL_HEIGHT}"/>
      <property name="icon-size" type="uint" value="30"/>
      <property name="plugin-ids" type="array">
        <value type="int" value="1"/>
      </property>
    </property>
  </property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="systray">
      <property name="square-icons" type="bool" value="false"/>
      <property name="icon-size" type="int" value="30"/>
      <property name="single-row" type="bool" value="true"/>
    </property>
  </property>
</channel>
"""


def missing_tools() -> list[str]:
    return [tool for tool in ("xfce4-panel",) if shutil.which(tool) is None]


class XfceDesktop(Desktop):
    """Like :class:`~support.desktop.Desktop`, with xfce4-panel's systray as the tray host instead of trayer."""

    kind = "xfce"

    def _start_dbus(self) -> None:
        config = self.workdir / "xfce-config"
        channel = config / "xfce4" / "xfconf" / "xfce-perchannel-xml"
        channel.mkdir(parents=True)
        (channel / "xfce4-panel.xml").write_text(PANEL_XML)
        # xfconfd is started by the bus: it must inherit this XDG_CONFIG_HOME, the programs we spawn must not.
        self.env["XDG_CONFIG_HOME"] = str(config)
        try:
            super()._start_dbus()
        finally:
            del self.env["XDG_CONFIG_HOME"]

    def _start_trayer(self) -> None:
        config = self.workdir / "xfce-config"
        self._popen(
            "xfce4-panel", ["xfce4-panel", "--disable-wm-check"], env={**self.env, "XDG_CONFIG_HOME": str(config)}
        )

        def panel() -> int:
            if not self._bus_has("org.kde.StatusNotifierWatcher"):
                return 0
            for window in self.windows_named("^xfce4-panel$", by="classname"):
                box = self._geometry(window)
                if box is not None and box.top == 0 and box.width == self.width and box.height >= PANEL_HEIGHT:
                    return window
            return 0

        try:
            self._panel = self.wait_for(panel, self.startup_timeout, 0.05, "xfce4-panel and its StatusNotifierWatcher")
        except TimeoutError as exc:
            raise self._fail(str(exc), "xfce4-panel") from exc
        self.tray_box = self.window_geometry(self._panel)

    def _bus_has(self, name: str) -> bool:
        out = self.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
             "org.freedesktop.DBus.NameHasOwner", f"string:{name}"],
            check=False,
        )  # fmt: skip
        return "boolean true" in out

    def tray_slots(self) -> list[object]:  # type: ignore[override]
        return []  # StatusNotifierItems are drawn inside the panel: no socket windows

    def tray_icons(self, shot: Image.Image | None = None, *, pid: int | None = None) -> list[Box]:
        """Boxes of the icons drawn on the panel, left to right (only process ``pid``'s: it must own an item)."""
        image = shot if shot is not None else self.grab()
        if pid is not None and pid not in self.status_notifier_pids():
            return []
        # Inset: the panel draws a 1 px border line along its edge.
        inner = Box(self.tray_box.left, self.tray_box.top + 2, self.tray_box.right, self.tray_box.bottom - 2)
        background = _most_common(image.crop(inner))
        return [
            Box(left + inner.left, top + inner.top, right + inner.left, bottom + inner.top)
            for left, top, right, bottom in _column_runs(image.crop(inner), background)
            if right - left >= 8
        ]

    def status_notifier_pids(self) -> list[int]:
        return desktops.status_notifier_pids(self.run)
