"""A throw-away Wayland desktop for tests: headless sway, waybar's tray (StatusNotifierItem), mako, wl-clipboard.

Follows TESTING.md ("More test desktops"). sway refuses to run as root, so when the tests run as
root (as CI does) every program here, the app included, runs as an unprivileged user
(:func:`support.desktops.desktop_user`) through ``setpriv``, with a Python that user can read
(:func:`support.desktops.user_python`). Its public interface is the X11 :class:`~support.desktop.Desktop`'s
where the tests need it, so a test can take either:

    with SwayDesktop(artifacts=...) as desktop:
        app = desktop.spawn([desktop.python, "-m", "trayapp", "tray"], name="trayapp")
        icon = desktop.wait_for_tray_icon(app.pid)
        desktop.click(*icon.center, button=3)
        desktop.select_menu_path([2, 0])        # the 3rd item, then the 1st of its submenu
        desktop.activate_selected()

The differences that matter: a headless sway has no input devices, so a virtual pointer of our own
(tests/support/wl_pointer.py) drives the clicks; waybar's menus take no keyboard, so menus are walked
with the pointer, finding items by their text rows on screen; screenshots come from grim; the
notification daemon is mako (``makoctl``); the clipboard is read with ``wl-paste``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from PIL import Image, ImageChops

from support import desktops
from support.desktop import _NOTIFY, Box, Desktop, DesktopError, Notification, _column_runs, _most_common

TOOLS = ("sway", "swaymsg", "waybar", "mako", "makoctl", "grim", "wl-copy", "wl-paste", "wtype", "dbus-daemon",
         "dbus-monitor", "dbus-send")  # fmt: skip
BAR_HEIGHT = 36
MAKO_WIDTH, MAKO_HEIGHT, MAKO_MARGIN = 300, 100, 10

WAYBAR_CONFIG = {
    "layer": "top",
    "position": "top",
    "height": BAR_HEIGHT,
    "modules-left": ["tray"],
    "modules-center": [],
    "modules-right": [],
    "tray": {"icon-size": 30, "spacing": 6},
}
WAYBAR_CSS = "* { font-family: sans-serif; font-size: 12px; min-height: 0; }\nwindow#waybar { background: #202020; }\n"


def missing_tools() -> list[str]:
    """The programs this desktop needs that are not installed (empty when all are)."""
    return [tool for tool in TOOLS if shutil.which(tool) is None]


class SwayDesktop(Desktop):
    """One private headless sway session with waybar's tray, mako and wl-clipboard. Use as a context manager.

    Inherits the X11 Desktop's waiting, pixel and log helpers; replaces what touches the display.
    After :meth:`start`: :attr:`user` (who runs everything), :attr:`python` (a Python that user can run,
    with trayapp's dependencies), :attr:`env`, :attr:`tray_box` (waybar), :attr:`tray_background`.
    """

    kind = "sway"
    notifier = "mako"

    def __init__(self, width: int = 1024, height: int = 768, *, artifacts: Path | None = None,
                 startup_timeout: float = 20.0, backend: str | None = None) -> None:  # fmt: skip
        super().__init__(width, height, backend=backend or "", artifacts=artifacts, startup_timeout=startup_timeout)
        self.user = ""
        self.python = ""
        self._pointer: subprocess.Popen[str] | None = None
        self._selected: tuple[int, int] | None = None
        self.desktop_background = (0x40, 0x40, 0x40)

    # --- life cycle ------------------------------------------------------------------------------

    def start(self) -> SwayDesktop:
        if self._started:
            raise DesktopError("this Desktop was already started")
        self._started = True
        began = time.monotonic()
        try:
            self.user = desktops.desktop_user()
            # Not root: we are that user, and our own Python will do.
            self.python = str(desktops.user_python()) if os.geteuid() == 0 else sys.executable
            self.workdir = Path(tempfile.mkdtemp(prefix="trayapp-wayland-"))
            self.workdir.chmod(0o755)  # the desktop's user writes its shots and home below
            runtime = self.workdir / "runtime"
            runtime.mkdir(mode=0o700)
            for folder in (runtime, self.workdir / "shots"):
                folder.mkdir(exist_ok=True)
                desktops.give_to_user(folder, self.user)
            keep = ("PATH", "LANG", "LC_ALL", "TZ")
            env = {k: v for k, v in os.environ.items() if k in keep}
            env.update(
                HOME=desktops.user_home(self.user),
                XDG_RUNTIME_DIR=str(runtime),
                DBUS_SESSION_BUS_ADDRESS=f"unix:path={runtime / 'bus'}",
                NO_AT_BRIDGE="1",
                GSETTINGS_BACKEND="memory",
                XDG_SESSION_TYPE="wayland",
                XDG_CURRENT_DESKTOP="sway",
            )
            if self.backend:
                env["PYSTRAY_BACKEND"] = self.backend
            self.env = env
            self._start_user_dbus()
            self._start_sway()
            self._start_notify_monitor()
            self._start_mako()
            self._start_waybar()
            self._start_pointer()
            self.tray_box = Box(0, 0, self.width, BAR_HEIGHT)
            shot = self.grab()
            self.tray_background = _most_common(shot.crop(self.tray_box))
            self.desktop_background = self.pixel(self.width // 2, self.height // 2, shot)
            self.startup_seconds = time.monotonic() - began
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        if self._pointer is not None:
            with contextlib.suppress(OSError):
                self._pointer.stdin.close()  # type: ignore[union-attr]
            self._pointer = None
        super().close()

    # --- processes -------------------------------------------------------------------------------

    def command(self, argv: Sequence[str | os.PathLike[str]], env: Mapping[str, str] | None = None) -> list[str]:
        """``argv`` as the desktop's user with :attr:`env` (plus ``env``): give it to subprocess as root."""
        return self._exec_argv(argv, env)

    def spawn(self, argv: Sequence[str | os.PathLike[str]], *, name: str, env: Mapping[str, str] | None = None,
              cwd: str | os.PathLike[str] | None = None) -> subprocess.Popen[bytes]:  # fmt: skip
        """Start ``argv`` as the desktop's user; its ``pid`` is the program's own (``setpriv`` and ``env`` exec)."""
        if not self.env:
            raise DesktopError("start the Desktop before spawning programs on it")
        log = self._log_file(name)
        proc = subprocess.Popen(
            self._exec_argv(argv, env), cwd=cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self._procs.append((name, proc))
        return proc

    def _exec_argv(self, argv: Sequence[str | os.PathLike[str]], env: Mapping[str, str] | None) -> list[str]:
        """Like :meth:`command`, but with ``setpriv`` (it execs, so the Popen's PID is the program's)."""
        words = [os.fspath(a) for a in argv]
        environ = {**self.env, **(env or {})}
        prefix = (
            ["setpriv", f"--reuid={self.user}", f"--regid={self.user}", "--init-groups", "--"]
            if os.geteuid() == 0
            else []
        )
        return [*prefix, "env", "-i", *(f"{k}={v}" for k, v in environ.items()), *words]

    def run(self, argv: Sequence[str], *, timeout: float = 10.0, check: bool = True) -> str:
        try:
            done = subprocess.run(self._exec_argv(argv, None), capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise DesktopError(f"{argv[0]} did not finish in {timeout} s: {' '.join(argv)}") from exc
        if check and done.returncode != 0:
            raise DesktopError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()}")
        return done.stdout

    def hand_over(self, path: Path) -> None:
        """Make ``path`` (a folder the test filled as root) the desktop user's, so the app can write there."""
        desktops.give_to_user(path, self.user, recursive=True)

    def home_for(self, isolated_home: Path) -> Path:
        """A HOME the desktop's user can reach (a pytest tmp_path under root's 0700 folder is out of reach)."""
        home = self.workdir / "home"
        home.mkdir(exist_ok=True)
        desktops.give_to_user(home, self.user)
        return home

    def _log_file(self, name: str) -> IO[bytes]:
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115  (closed in close())
        self._logs.append(log)
        return log

    def _start(self, name: str, argv: list[str], env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = self._log_file(name)
        proc = subprocess.Popen(
            self._exec_argv(argv, env), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self._procs.append((name, proc))
        return proc

    def _wait(self, check: Any, what: str, name: str) -> Any:
        try:
            return self.wait_for(check, self.startup_timeout, 0.05, what)
        except TimeoutError as exc:
            raise self._fail(str(exc), name) from exc

    def _start_user_dbus(self) -> None:
        address = self.env["DBUS_SESSION_BUS_ADDRESS"]
        self._start("dbus", ["dbus-daemon", "--session", "--nofork", f"--address={address}"])
        bus = Path(address.removeprefix("unix:path="))
        self._wait(bus.exists, "the session bus socket", "dbus")

    def _start_sway(self) -> None:
        config = self.workdir / "sway.conf"
        config.write_text(
            f"output HEADLESS-1 resolution {self.width}x{self.height} position 0 0 bg #404040 solid_color\n"
            "default_border none\nfocus_follows_mouse no\n"
        )
        runtime = Path(self.env["XDG_RUNTIME_DIR"])
        self._start(
            "sway",
            ["sway", "-c", str(config)],
            {"WLR_BACKENDS": "headless", "WLR_LIBINPUT_NO_DEVICES": "1", "WLR_RENDERER": "pixman"},
        )

        def sockets() -> tuple[str, str] | None:
            wayland = [p.name for p in runtime.glob("wayland-*") if not p.name.endswith(".lock")]
            ipc = list(runtime.glob("sway-ipc.*.sock"))
            return (wayland[0], str(ipc[0])) if wayland and ipc else None

        wayland, ipc = self._wait(sockets, "sway's Wayland and IPC sockets", "sway")
        self.env.update(WAYLAND_DISPLAY=wayland, SWAYSOCK=ipc)
        self._wait(lambda: "HEADLESS-1" in self.run(["swaymsg", "-t", "get_outputs"], check=False),
                   "sway's headless output", "sway")  # fmt: skip
        self.display = wayland

    def _bus_has(self, name: str) -> bool:
        out = self.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
             "org.freedesktop.DBus.NameHasOwner", f"string:{name}"],
            check=False,
        )  # fmt: skip
        return "boolean true" in out

    def _start_mako(self) -> None:
        config = self.workdir / "mako.conf"
        config.write_text(
            f"anchor=bottom-right\nwidth={MAKO_WIDTH}\nheight={MAKO_HEIGHT}\nmargin={MAKO_MARGIN}\n"
            "default-timeout=30000\nfont=DejaVu Sans 9\nbackground-color=#285577\ntext-color=#ffffff\n"
        )
        self._start("mako", ["mako", "-c", str(config)])
        self._wait(lambda: self._bus_has("org.freedesktop.Notifications"),
                   "mako to own org.freedesktop.Notifications", "mako")  # fmt: skip

    def _start_waybar(self) -> None:
        config, css = self.workdir / "waybar.json", self.workdir / "waybar.css"
        config.write_text(json.dumps(WAYBAR_CONFIG))
        css.write_text(WAYBAR_CSS)
        self._start("waybar", ["waybar", "-c", str(config), "-s", str(css)])
        self._wait(lambda: self._bus_has("org.kde.StatusNotifierWatcher"),
                   "waybar's StatusNotifierWatcher", "waybar")  # fmt: skip

        def drawn() -> bool:
            return self.pixel(self.width // 2, BAR_HEIGHT // 2) == (0x20, 0x20, 0x20)

        self._wait(drawn, "waybar on screen", "waybar")

    def _start_pointer(self) -> None:
        helper = Path(__file__).with_name("wl_pointer.py")
        log = self._log_file("pointer")
        proc = subprocess.Popen(
            self._exec_argv(["/usr/bin/python3", str(helper), str(self.width), str(self.height)], None),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True,
        )  # fmt: skip
        self._procs.append(("pointer", proc))  # type: ignore[arg-type]
        self._pointer = proc
        self._pointer_reply("the virtual pointer")

    def _pointer_reply(self, what: str) -> None:
        assert self._pointer is not None and self._pointer.stdout is not None
        line = self._pointer.stdout.readline().strip()
        if line not in ("ready", "ok"):
            raise self._fail(f"{what}: {line or 'no answer'}", "pointer")

    # --- screen ----------------------------------------------------------------------------------

    def grab(self) -> Image.Image:
        """The whole screen, by grim (PPM: no compression, ~30 ms)."""
        self._shots += 1
        target = self.workdir / "shots" / f"grab-{self._shots}.ppm"
        self.run(["grim", "-t", "ppm", str(target)])
        try:
            with Image.open(target) as shot:
                return shot.convert("RGB")
        finally:
            target.unlink(missing_ok=True)

    def screenshot(self, path: str | os.PathLike[str] | None = None) -> Image.Image:
        image = self.grab()
        if path is not None:
            target = Path(path)
            if not target.is_absolute() and self.artifacts is not None:
                target = self.artifacts / target
            target.parent.mkdir(parents=True, exist_ok=True)
            image.save(target)
        return image

    # --- input -----------------------------------------------------------------------------------

    def _pointer_send(self, *lines: str) -> None:
        assert self._pointer is not None and self._pointer.stdin is not None
        for line in lines:
            self._pointer.stdin.write(line + "\n")
            self._pointer.stdin.flush()
            self._pointer_reply(line)

    def move(self, x: int, y: int) -> None:
        self._pointer_send(f"move {x} {y}")

    def click(self, x: int, y: int, button: int = 1) -> None:
        self._pointer_send(f"move {x} {y}", f"press {button}", f"release {button}")

    def key(self, *keys: str, delay_ms: int = 60) -> None:
        """Press keys with wtype (X keysym names). waybar's tray menus take no keyboard: walk them with the pointer."""
        argv = ["wtype", "-d", str(delay_ms)]
        for key in keys:
            *mods, name = key.split("+")
            argv += [*(w for m in mods for w in ("-M", m)), "-k", name, *(w for m in mods for w in ("-m", m))]
        self.run(argv)

    # --- windows and menus -----------------------------------------------------------------------

    def windows_named(self, pattern: str, *, by: str = "name", visible: bool = True) -> list[int]:
        raise DesktopError("a Wayland desktop has no X windows to search")

    def menus(self) -> list[Box]:
        """The popup menus on screen, left to right: boxes of non-desktop pixels below the bar.

        Touching menus (a submenu opens flush against its parent) are told apart by where each
        column's drawn span starts and ends: one menu's columns all share theirs.
        """
        shot = self.grab()
        area = Box(0, BAR_HEIGHT, self.width, self.height - (MAKO_HEIGHT + 2 * MAKO_MARGIN))
        background = Image.new("RGB", (area.width, area.height), self.desktop_background)
        # Over 24: not the faint shadow GTK draws around a popup.
        mask = ImageChops.difference(shot.crop(area), background).convert("L").point(lambda v: 255 if v > 24 else 0)
        grey = shot.crop(area).convert("L")
        spans: list[tuple[int, int] | None] = []
        for x in range(area.width):
            bbox = mask.crop((x, 0, x + 1, area.height)).getbbox()
            # A menu's edge: grey where its inside is the white padding below the last item.
            edge = bbox is not None and grey.getpixel((x, max(bbox[3] - 3, 0))) < 240  # type: ignore[operator]
            spans.append((bbox[1], bbox[3]) if bbox and not edge else None)
        boxes: list[Box] = []
        start = 0
        for x in range(1, area.width + 1):
            here, before = (spans[x] if x < area.width else None), spans[x - 1]
            if here is not None and before is not None and abs(here[0] - before[0]) <= 6 and abs(here[1] - before[1]) <= 6:
                continue
            run = [s for s in spans[start:x] if s is not None]
            if run and x - start >= 20:
                top = sorted(s[0] for s in run)[len(run) // 2]  # the median: corners and the cursor stray
                bottom = sorted(s[1] for s in run)[len(run) // 2]
                if bottom - top >= 15:
                    boxes.append(self._reach_up(shot, Box(start, top + area.top, x, bottom + area.top)))
            start = x
        return boxes

    @staticmethod
    def _reach_up(shot: Image.Image, box: Box) -> Box:
        """A menu opened at the pointer may start over the bar: extend it up while its rows are mostly white."""
        top = box.top
        while top > 0:
            row = shot.crop((box.left + 2, top - 1, box.right - 2, top)).convert("L")
            if sum(1 for x in range(row.width) if row.getpixel((x, 0)) >= 250) * 2 < row.width:  # type: ignore[operator]
                break
            top -= 1
        return Box(box.left, top, box.right, box.bottom)

    def menu_rows(self, menu: Box, shot: Image.Image | None = None) -> list[tuple[Box, bool]]:
        """The item rows of an open menu, top to bottom, each with whether it is enabled (dark text).

        A row is a band of lines holding text or pictures (separators are too faint to count);
        insensitive items are drawn in grey, so their darkest grey is lighter than black text's.
        """
        image = (shot or self.grab()).crop((menu.left + 6, menu.top + 2, menu.right - 6, menu.bottom - 2))
        rgb = image.convert("RGB")
        bands: list[tuple[int, int, int]] = []  # top, bottom, darkest grey
        start, darkest = None, 255
        for y in range(rgb.height):
            background = rgb.getpixel((0, y))
            ink = 255
            inked = False
            for x in range(0, rgb.width, 1):
                r, g, b = rgb.getpixel((x, y))  # type: ignore[misc]
                if max(abs(r - background[0]), abs(g - background[1]), abs(b - background[2])) > 60:  # type: ignore[index]
                    inked = True
                    if max(r, g, b) - min(r, g, b) < 24:
                        ink = min(ink, (r + g + b) // 3)
            if inked and start is None:
                start, darkest = y, ink
            elif inked:
                darkest = min(darkest, ink)
            elif start is not None:
                bands.append((start, y, darkest))
                start = None
        if start is not None:
            bands.append((start, rgb.height, darkest))
        top = menu.top + 2
        return [(Box(menu.left, top + a, menu.right, top + b), dark < 110) for a, b, dark in bands if b - a >= 4]

    def select_menu_path(self, indices: Sequence[int]) -> Box:
        """In the open menu, point at its ``indices[0]``-th enabled item, open that submenu, and so on.

        Leaves the last item under the pointer (not activated: :meth:`activate_selected` clicks it).
        Returns the deepest open menu's box.
        """
        self.move(self.width - 2, self.height // 2)  # the pointer is drawn on screen: keep it off the menu
        menu = self.wait_for(self._settled_menus(1), message="the menu, drawn")[-1]
        for depth, index in enumerate(indices):
            if depth == 0:  # waybar redraws an open menu in place when the app sends a new layout
                menu, rows = self.wait_for(
                    self._top_menu_with_rows(index + 1), message=f"the menu showing {index + 1} enabled items"
                )
            else:
                rows = [row for row, enabled in self.menu_rows(menu) if enabled]
                if index >= len(rows):
                    raise DesktopError(f"menu {menu} shows {len(rows)} enabled items, not {index + 1}")
            row = rows[index]
            x, y = menu.left + min(40, menu.width // 3), row.center[1]
            self._selected = (x, y)
            if depth == len(indices) - 1:
                self.move(x, y)
                break
            self.click(x, y)
            menu = self.wait_for(self._settled_menus(depth + 2), message=f"{depth + 2} menus, drawn")[-1]
        return menu

    def _top_menu_with_rows(self, wanted: int) -> Any:
        """A predicate: the one open menu and its enabled rows, once it shows ``wanted`` of them."""

        def check() -> tuple[Box, list[Box]] | None:
            menus = self.menus()
            if len(menus) != 1:
                return None
            rows = [row for row, enabled in self.menu_rows(menus[0]) if enabled]
            return (menus[0], rows) if len(rows) >= wanted else None

        return check

    def _settled_menus(self, count: int) -> Any:
        """A predicate: the menus once ``count`` of them look the same on two grabs in a row (drawn, not drawing)."""
        seen: list[list[Box]] = []

        def check() -> list[Box]:
            now = self.menus()
            settled = len(now) >= count and bool(seen) and seen[-1] == now
            seen.append(now)
            return now if settled else []

        return check

    def activate_selected(self) -> None:
        if self._selected is None:
            raise DesktopError("select a menu item first")
        self.click(*self._selected)
        self._selected = None

    def dismiss_menus(self) -> None:
        """Close every open menu by clicking the empty desktop (the compositor ends the popup grab)."""
        if self.menus():
            self.click(self.width // 2, self.height // 2, button=1)
        self.wait_for_no_menu()

    # --- tray ------------------------------------------------------------------------------------

    def tray_slots(self) -> list[Any]:
        return []

    def tray_icons(self, shot: Image.Image | None = None, *, pid: int | None = None) -> list[Box]:
        """Boxes of the icons drawn in waybar's tray, left to right (only process ``pid``'s: it must own an item)."""
        image = shot if shot is not None else self.grab()
        if pid is not None and pid not in self.status_notifier_pids():
            return []
        return [
            Box(left, top, right, bottom)
            for left, top, right, bottom in _column_runs(image.crop(self.tray_box), self.tray_background)
            if right - left >= 8
        ]

    def status_notifier_pids(self) -> list[int]:
        return desktops.status_notifier_pids(self.run)

    # --- notifications ---------------------------------------------------------------------------

    def notification_popups(self) -> list[Box]:
        """mako's popups (bottom-right), one box per notification it shows."""
        data = json.loads(self.run(["makoctl", "list"], check=False) or '{"data": [[]]}')
        shown = data.get("data", [[]])[0]
        right, bottom = self.width - MAKO_MARGIN, self.height - MAKO_MARGIN
        return [
            Box(right - MAKO_WIDTH, bottom - (i + 1) * MAKO_HEIGHT, right, bottom - i * MAKO_HEIGHT)
            for i in range(len(shown))
        ]

    def close_notifications(self) -> None:
        self.run(["makoctl", "dismiss", "--all"], check=False)

    def dunst_history(self) -> list[dict[str, str]]:
        raise DesktopError("this desktop runs mako, not dunst")

    def sent_notifications(self) -> list[Notification]:
        return [
            Notification(app, int(replaces), icon, summary, body)
            for app, replaces, icon, summary, body in _NOTIFY.findall(self.notification_log())
        ]

    # --- clipboard -------------------------------------------------------------------------------

    def clipboard(self, selection: str = "clipboard") -> str | None:
        """The text on the Wayland clipboard (``primary`` too), read with wl-paste; None when empty."""
        argv = ["wl-paste", "--no-newline", *(["--primary"] if selection == "primary" else [])]
        try:
            done = subprocess.run(self._exec_argv(argv, None), capture_output=True, text=True, timeout=5)
        except subprocess.TimeoutExpired:
            return None
        return done.stdout if done.returncode == 0 else None

