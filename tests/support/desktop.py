"""A throw-away X11 desktop for tests: Xvfb, a private D-Bus session, a tray host and a notification daemon.

Follows the recipe in TESTING.md ("Real display"):

    with Desktop(artifacts=Path("tests/artifacts/my-test")) as desktop:
        app = desktop.spawn([sys.executable, "-m", "trayapp"], name="trayapp")
        icon = desktop.wait_for_tray_icon(app.pid)      # Box of its docked icon, found, not assumed
        assert desktop.count_color("2e7d32", icon) > 0
        desktop.click(*icon.center, button=3)           # open the menu
        menu = desktop.wait_for_menu()                  # Box of the popup menu window
        desktop.key("Down", "Return")
        desktop.screenshot("after.png")                 # saved under artifacts/
        assert desktop.sent_notifications()[-1].summary == "..."
        assert app.wait(timeout=10) == 0, desktop.log("trayapp")

What runs, each in its own process group, all stopped by PID in :meth:`close` (also when start-up
fails half-way):

- ``Xvfb`` on a free display number chosen by ``-displayfd`` (read up to the newline: Xvfb writes
  the number and the newline separately and dies if the pipe is closed in between);
- ``dbus-daemon --session`` listening on ``<workdir>/bus`` (a short path in /tmp: a unix socket
  path must stay under 108 bytes, which a pytest ``tmp_path`` may not);
- ``trayer`` docked top-left, 240x32 px (the tray icons land inside :attr:`Desktop.tray_box`);
- ``dunst`` with a config of our own (popups top-right, 30 s timeout), so
  ``org.freedesktop.Notifications`` exists: without it pystray's ``stop()`` raises;
- ``dbus-monitor`` recording every ``Notify`` call (see :meth:`Desktop.sent_notifications`).

Programs started with :meth:`Desktop.spawn` get :attr:`Desktop.env`: the environment of the
moment :meth:`Desktop.start` ran (so a test's HOME/XDG isolation carries over) plus DISPLAY,
DBUS_SESSION_BUS_ADDRESS, NO_AT_BRIDGE=1, PYSTRAY_BACKEND, GDK_BACKEND=x11,
GSETTINGS_BACKEND=memory and a private XDG_RUNTIME_DIR; WAYLAND_DISPLAY is removed.
Start-up takes about 0.3 s, :meth:`Desktop.close` about 0.05 s.

Nothing here is thread-safe; use one Desktop from one thread.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple, TypeVar, cast

from PIL import Image, ImageChops

T = TypeVar("T")
RGB = tuple[int, int, int]

IMPORT = "/usr/bin/import"  # ImageMagick's: a `convert`/`import` earlier on PATH may be a stand-in
TOOLS = (
    "Xvfb",
    "dbus-daemon",
    "dbus-send",
    "dbus-monitor",
    "trayer",
    "dunst",
    "dunstctl",
    "xdotool",
    "xwininfo",
    "xprop",
)
TRAY_WIDTH, TRAY_HEIGHT = 240, 32
POPUP_MENU_TYPES = (
    "_NET_WM_WINDOW_TYPE_POPUP_MENU",
    "_NET_WM_WINDOW_TYPE_DROPDOWN_MENU",
    "_NET_WM_WINDOW_TYPE_MENU",
)

DUNSTRC = """\
[global]
    monitor = 0
    follow = none
    width = 320
    height = 120
    origin = top-right
    offset = 10x50
    notification_limit = 5
    font = DejaVu Sans 9
    format = "<b>%s</b>\\n%b"
    markup = full
    idle_threshold = 0
    show_age_threshold = -1
    sticky_history = yes
    history_length = 100
    icon_position = left
    max_icon_size = 48
    frame_width = 2
    frame_color = "#aaaaaa"
[urgency_low]
    background = "#222222"
    foreground = "#ffffff"
    timeout = 30
[urgency_normal]
    background = "#285577"
    foreground = "#ffffff"
    timeout = 30
[urgency_critical]
    background = "#900000"
    foreground = "#ffffff"
    timeout = 0
"""


class DesktopError(RuntimeError):
    """A part of the test desktop failed to start or answer; the message says which and why."""


class Box(NamedTuple):
    """A screen rectangle in Pillow's crop convention: ``right`` and ``bottom`` are exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    @classmethod
    def from_geometry(cls, x: int, y: int, width: int, height: int) -> Box:
        return cls(x, y, x + width, y + height)

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def center(self) -> tuple[int, int]:
        return (self.left + self.right) // 2, (self.top + self.bottom) // 2

    def contains(self, other: Box) -> bool:
        return (
            self.left <= other.left
            and self.top <= other.top
            and other.right <= self.right
            and other.bottom <= self.bottom
        )


class Notification(NamedTuple):
    """One ``org.freedesktop.Notifications.Notify`` call seen on the bus."""

    app_name: str
    replaces_id: int
    icon: str
    summary: str
    body: str


_NOTIFY = re.compile(
    r'member=Notify\n   string "(.*?)"\n   uint32 (\d+)\n   string "(.*?)"\n'
    r'   string "(.*?)"\n   string "(.*?)"\n   array \[',
    re.DOTALL,
)


class TraySlot(NamedTuple):
    """A place in the tray: its box, trayer's socket window and the PID of the docked icon's owner."""

    box: Box
    window: int
    pid: int | None


# A child line of `xwininfo -children`: `  0x200026 "name": ("res" "Class")  32x30+1+1  +1+1`
_CHILD = re.compile(
    r"^\s+(0x[0-9a-f]+) .*?(\d+)x(\d+)[+-]-?\d+[+-]-?\d+\s+\+(-?\d+)\+(-?\d+)\s*$", re.MULTILINE
)


def missing_tools() -> list[str]:
    """The programs this harness needs that are not installed (empty when all are)."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if not os.access(IMPORT, os.X_OK):
        missing.append(IMPORT)
    if ctypes.util.find_library("X11") is None:
        missing.append("libX11")
    return missing


class Desktop:
    """One private X11 desktop with a tray (trayer) and notifications (dunst). Use as a context manager.

    ``width``/``height``: screen size. ``backend``: the ``PYSTRAY_BACKEND`` put in :attr:`env`
    (None: unset, so the app chooses).
    ``artifacts``: a folder for screenshots (relative names given to :meth:`screenshot` land
    there) and, at :meth:`close`, copies of every process's log. ``startup_timeout``: seconds
    allowed for each part to come up.

    After :meth:`start` (or ``__enter__``): :attr:`display` (``":7"``), :attr:`env` (the
    environment for programs on this desktop), :attr:`workdir` (private temp folder, removed at
    close), :attr:`tray_box` (the tray's rectangle), :attr:`tray_background` (its empty colour),
    :attr:`startup_seconds`.
    """

    kind = "trayer"  # see support.desktops.KINDS
    notifier = "dunst"  # the notification daemon's process name (its log: ``log(notifier)``)
    python = sys.executable  # a Python that programs on this desktop can run trayapp with

    def __init__(
        self,
        width: int = 1024,
        height: int = 768,
        *,
        backend: str | None = "gtk",
        artifacts: Path | None = None,
        startup_timeout: float = 15.0,
    ) -> None:
        self.width, self.height = width, height
        self.backend = backend
        self.artifacts = artifacts
        self.startup_timeout = startup_timeout
        self.workdir = Path()
        self.display = ""
        self.env: dict[str, str] = {}
        self.tray_box = Box(0, 0, TRAY_WIDTH, TRAY_HEIGHT)
        self.tray_background: RGB = (0, 0, 0)
        self.startup_seconds = 0.0
        self.teardown_seconds = 0.0
        self._procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self._logs: list[IO[bytes]] = []
        self._shots = 0
        self._started = False
        self._panel = 0

    # --- life cycle ------------------------------------------------------------------------------

    def __enter__(self) -> Desktop:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> Desktop:
        """Start every part and wait until each answers; on any failure stop what started, then raise."""
        if self._started:
            raise DesktopError("this Desktop was already started")
        self._started = True
        began = time.monotonic()
        try:
            self.workdir = Path(tempfile.mkdtemp(prefix="trayapp-desktop-"))
            runtime = self.workdir / "runtime"
            runtime.mkdir(mode=0o700)
            self._start_xvfb()
            env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "DESKTOP_STARTUP_ID")}
            env.update(
                DISPLAY=self.display,
                DBUS_SESSION_BUS_ADDRESS=f"unix:path={self.workdir / 'bus'}",
                NO_AT_BRIDGE="1",  # keep GTK from starting the accessibility bus
                GDK_BACKEND="x11",
                GSETTINGS_BACKEND="memory",  # no dconf writes
                XDG_SESSION_TYPE="x11",
                XDG_RUNTIME_DIR=str(runtime),
            )
            if self.backend:  # None: leave the choice to the app (or to pystray)
                env["PYSTRAY_BACKEND"] = self.backend
            else:
                env.pop("PYSTRAY_BACKEND", None)
            self.env = env
            self._start_dbus()
            self._start_notify_monitor()
            self._start_trayer()
            self._start_dunst()
            shot = self.grab()
            self.tray_background = _most_common(shot.crop(self.tray_box))
            self.startup_seconds = time.monotonic() - began
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Stop every process this Desktop started (newest first) by PID and process group.

        SIGTERM, then SIGKILL after 3 s. Copies the logs to :attr:`artifacts` and removes the
        work folder. Safe to call twice and after a failed start.
        """
        began = time.monotonic()
        try:
            for _name, proc in reversed(self._procs):
                _stop(proc)
        finally:
            self._procs.clear()
            for log in self._logs:
                log.close()
            self._logs.clear()
            if self.workdir != Path() and self.workdir.exists():
                if self.artifacts is not None:
                    self.artifacts.mkdir(parents=True, exist_ok=True)
                    for log_path in self.workdir.glob("*.log"):
                        shutil.copy(log_path, self.artifacts / log_path.name)
                shutil.rmtree(self.workdir, ignore_errors=True)
            self.teardown_seconds = time.monotonic() - began

    # --- processes -------------------------------------------------------------------------------

    def spawn(
        self,
        argv: Sequence[str | os.PathLike[str]],
        *,
        name: str,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start ``argv`` on this desktop; stopped at :meth:`close` if still running.

        Its environment is :attr:`env` updated with ``env``. stdout and stderr both go to
        ``<workdir>/<name>.log`` (read it with :meth:`log`; copied to artifacts at close).
        stdin is /dev/null. Returns the Popen: ``wait()`` on it for the exit code.
        """
        if not self.display:
            raise DesktopError("start the Desktop before spawning programs on it")
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115  (closed in close())
        self._logs.append(log)
        proc = subprocess.Popen(
            [os.fspath(a) for a in argv],
            env={**self.env, **(env or {})},
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: close() stops its children too
        )
        self._procs.append((name, proc))
        return proc

    def log(self, name: str) -> str:
        """What the process spawned as ``name`` wrote so far (stdout and stderr)."""
        return (self.workdir / f"{name}.log").read_text(errors="replace")

    def run(self, argv: Sequence[str], *, timeout: float = 10.0, check: bool = True) -> str:
        """Run a short tool on this desktop and return its stdout (``DesktopError`` if it fails and ``check``)."""
        try:
            done = subprocess.run(list(argv), env=self.env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise DesktopError(f"{argv[0]} did not finish in {timeout} s: {' '.join(argv)}") from exc
        if check and done.returncode != 0:
            raise DesktopError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()}")
        return done.stdout

    def command(self, argv: Sequence[str | os.PathLike[str]], env: Mapping[str, str] | None = None) -> list[str]:
        """``argv`` to run on this desktop as its user, with :attr:`env` plus ``env`` (give it to ``subprocess``)."""
        environ = {**self.env, **(env or {})}
        return ["env", "-i", *(f"{k}={v}" for k, v in environ.items()), *(os.fspath(a) for a in argv)]

    def home_for(self, isolated_home: Path) -> Path:
        """The HOME a test should give programs on this desktop (here: the test's own)."""
        return isolated_home

    def hand_over(self, path: Path) -> None:
        """Let the desktop's user write below ``path`` (here the test's user is that user: nothing to do)."""

    # --- screen ----------------------------------------------------------------------------------

    def screenshot(self, path: str | os.PathLike[str] | None = None) -> Image.Image:
        """The whole screen as an RGB image, taken by ImageMagick's ``import -window root``.

        With ``path`` the PNG is kept there (a relative path is taken inside :attr:`artifacts`
        when set); without, it is kept in the work folder only for the call.
        """
        self._shots += 1
        if path is None:
            target = self.workdir / f"shot-{self._shots}.png"
        else:
            target = Path(path)
            if not target.is_absolute() and self.artifacts is not None:
                target = self.artifacts / target
            target.parent.mkdir(parents=True, exist_ok=True)
        self.run([IMPORT, "-window", "root", str(target)])
        with Image.open(target) as shot:
            image = shot.convert("RGB")
        if path is None:
            target.unlink()
        return image

    def grab(self) -> Image.Image:
        """The whole screen as an RGB image, fast (Pillow over XCB, ~10 ms); falls back to :meth:`screenshot`.

        For polling; use :meth:`screenshot` for pictures you keep.
        """
        from PIL import ImageGrab, features

        if features.check("xcb"):
            return ImageGrab.grab(xdisplay=self.display).convert("RGB")
        return self.screenshot()

    def pixel(self, x: int, y: int, shot: Image.Image | None = None) -> RGB:
        """The colour at ``(x, y)`` in ``shot`` (a fresh grab when left out)."""
        image = shot if shot is not None else self.grab()
        r, g, b = image.getpixel((x, y))[:3]  # type: ignore[index]
        return r, g, b

    def crop(self, box: Box | tuple[int, int, int, int], shot: Image.Image | None = None) -> Image.Image:
        """The ``box`` part of ``shot`` (a fresh grab when left out)."""
        image = shot if shot is not None else self.grab()
        return image.crop(box)

    def count_color(self, rgb: RGB | str, box: Box | None = None, shot: Image.Image | None = None) -> int:
        """How many pixels in ``box`` (default: the whole screen) have exactly ``rgb`` (or ``"2e7d32"``)."""
        want = _rgb(rgb)
        image = self.crop(box, shot) if box is not None else (shot if shot is not None else self.grab())
        return sum(
            count for count, colour in image.getcolors(image.width * image.height) or [] if colour == want
        )

    def colors(self, box: Box, shot: Image.Image | None = None, top: int = 8) -> list[tuple[RGB, int]]:
        """The ``top`` most common colours in ``box`` with their pixel counts (for messages and debugging)."""
        return Counter(_pixels(self.crop(box, shot))).most_common(top)

    @staticmethod
    def changed(before: Image.Image, after: Image.Image, box: Box | None = None) -> Box | None:
        """The bounding box of what differs between two screenshots (inside ``box``), or None."""
        if box is not None:
            before, after = before.crop(box), after.crop(box)
        bbox = ImageChops.difference(before.convert("RGB"), after.convert("RGB")).getbbox()
        if bbox is None:
            return None
        dx, dy = (box.left, box.top) if box is not None else (0, 0)
        return Box(bbox[0] + dx, bbox[1] + dy, bbox[2] + dx, bbox[3] + dy)

    # --- input -----------------------------------------------------------------------------------

    def move(self, x: int, y: int) -> None:
        self.run(["xdotool", "mousemove", str(x), str(y)])

    def click(self, x: int, y: int, button: int = 1) -> None:
        """Move the pointer to ``(x, y)`` and click ``button`` (1 left, 2 middle, 3 right).

        Not ``mousemove --sync``: it hangs when the pointer is already there.
        """
        self.run(["xdotool", "mousemove", str(x), str(y), "sleep", "0.05", "click", str(button)])

    def key(self, *keys: str, delay_ms: int = 60) -> None:
        """Press and release each X keysym in turn (``"Down"``, ``"Return"``, ``"ctrl+q"``) on the focused window."""
        self.run(["xdotool", "key", "--delay", str(delay_ms), *keys])

    def type_text(self, text: str, delay_ms: int = 20) -> None:
        """Type ``text`` into the focused window."""
        self.run(["xdotool", "type", "--delay", str(delay_ms), "--", text])

    # --- waiting ---------------------------------------------------------------------------------

    def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 10.0,
        interval: float = 0.1,
        message: str = "the condition",
    ) -> T:
        """Call ``predicate`` until it returns something truthy, and return that.

        On timeout raises ``TimeoutError`` naming ``message``; when :attr:`artifacts` is set it
        also saves a screenshot there (``timeout-N.png``) and says so. Exceptions from
        ``predicate`` propagate.
        """
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() >= deadline:
                break
            time.sleep(interval)
        note = ""
        if self.artifacts is not None and self.display:
            with contextlib.suppress(Exception):
                name = f"timeout-{self._shots + 1}.png"
                self.screenshot(name)
                note = f" (screen saved as {self.artifacts / name})"
        raise TimeoutError(f"timed out after {timeout} s waiting for {message}{note}")

    # --- windows ---------------------------------------------------------------------------------

    def windows_named(self, pattern: str, *, by: str = "name", visible: bool = True) -> list[int]:
        """X window ids whose ``by`` (``"name"``, ``"class"`` or ``"classname"``) matches the regex ``pattern``.

        ``visible`` keeps only mapped windows (xdotool ``--onlyvisible``). Empty when none.
        """
        if by not in ("name", "class", "classname"):
            raise ValueError(f"by must be name, class or classname, not {by!r}")
        argv = ["xdotool", "search", *(["--onlyvisible"] if visible else []), f"--{by}", pattern]
        out = self.run(argv, check=False)
        return [int(line) for line in out.split()]

    def window_geometry(self, window: int) -> Box:
        """Where a window is on screen."""
        out = self.run(["xdotool", "getwindowgeometry", "--shell", str(window)])
        fields = dict(line.split("=", 1) for line in out.split())
        return Box.from_geometry(
            int(fields["X"]), int(fields["Y"]), int(fields["WIDTH"]), int(fields["HEIGHT"])
        )

    def _geometry(self, window: int) -> Box | None:
        """Like :meth:`window_geometry`, but None for a window that vanished meanwhile."""
        try:
            return self.window_geometry(window)
        except (DesktopError, KeyError, ValueError):
            return None

    def window_types(self, window: int) -> list[str]:
        """The window's ``_NET_WM_WINDOW_TYPE`` atoms (``[]`` if it has none or is gone)."""
        out = self.run(["xprop", "-id", str(window), "_NET_WM_WINDOW_TYPE"], check=False)
        return re.findall(r"_NET_WM_WINDOW_TYPE_\w+", out)

    def menus(self) -> list[Box]:
        """Where the popup menus on screen are, left to right (GTK marks its menu windows POPUP_MENU).

        A submenu opens to the right of its parent, so the last box is normally the deepest.
        """
        boxes = [
            self._geometry(w)
            for w in self.windows_named(".*", visible=True)
            if any(t in POPUP_MENU_TYPES for t in self.window_types(w))
        ]
        return sorted(b for b in boxes if b is not None and b.width > 1 and b.height > 1)

    def wait_for_menu(self, timeout: float = 5.0, count: int = 1) -> Box:
        """Wait until ``count`` popup menus are open (2: a submenu too) and return the right-most one."""

        def found() -> list[Box]:
            menus = self.menus()
            return menus if len(menus) >= count else []

        return self.wait_for(found, timeout, message=f"{count} popup menu(s)")[-1]

    def wait_for_no_menu(self, timeout: float = 5.0) -> None:
        self.wait_for(lambda: not self.menus(), timeout, message="the popup menus to close")

    def select_menu_path(self, indices: Sequence[int]) -> Box:
        """In the open menu, select its ``indices[0]``-th selectable item, open that submenu, and so on.

        Selectable: not a separator, not insensitive (GTK skips those). Keyboard: in the top menu
        nothing is selected yet, so the first Down selects the first item; Right opens a submenu
        with its first item selected. Nothing is activated (:meth:`activate_selected`). Returns
        the deepest open menu.
        """
        keys: list[str] = []
        for depth, index in enumerate(indices):
            keys += ["Down"] * (index + 1 if depth == 0 else index)
            if depth < len(indices) - 1:
                keys.append("Right")
        self.key(*keys)
        deepest = self.wait_for_menu(count=len(indices))
        time.sleep(0.15)  # a submenu opens on its own once its parent item is selected; let it settle
        return deepest

    def activate_selected(self) -> None:
        self.key("Return")

    def dismiss_menus(self) -> None:
        for _ in range(6):
            if not self.menus():
                return
            self.key("Escape")
            time.sleep(0.05)
        self.wait_for_no_menu()

    def status_notifier_pids(self) -> list[int]:
        """PIDs owning StatusNotifierItems on this bus (trayer hosts none: always empty)."""
        return []

    # --- tray ------------------------------------------------------------------------------------

    @property
    def panel(self) -> int:
        """Trayer's panel window: its children are the tray's slots (for in-process X clients)."""
        return self._panel

    def tray_slots(self) -> list[TraySlot]:
        """The places trayer gave docked icons (its socket windows), left to right, with the PID of
        the process whose window is docked there (None when its window does not say).

        Trayer puts a newly docked icon first, so order says nothing about who docked when; find
        an app's icon by its PID. A slot may exist for a moment before its icon is drawn:
        :meth:`tray_icons` checks pixels too.
        """
        slots = []
        for socket, box in self._children(self._panel):
            if box.width > 1 and box.height > 1 and self.tray_box.contains(box):
                plugs = self._children(socket)
                slots.append(TraySlot(box, socket, self._window_pid(plugs[0][0]) if plugs else None))
        return sorted(slots)

    def tray_icons(self, shot: Image.Image | None = None, *, pid: int | None = None) -> list[Box]:
        """Boxes of the icons drawn in the tray, left to right (only process ``pid``'s, when given).

        An icon counts once its slot holds a pixel not of :attr:`tray_background`. If trayer
        reports no slot at all, falls back to runs of non-background columns (which merge icons
        that touch, and cannot tell owners apart).
        """
        image = shot if shot is not None else self.grab()
        slots = self.tray_slots()
        if slots:
            return [
                s.box
                for s in slots
                if (pid is None or s.pid == pid)
                and any(p != self.tray_background for p in _pixels(image.crop(s.box)))
            ]
        if pid is not None:
            return []
        dx, dy = self.tray_box.left, self.tray_box.top
        return [
            Box(left + dx, top + dy, right + dx, bottom + dy)
            for left, top, right, bottom in _column_runs(image.crop(self.tray_box), self.tray_background)
        ]

    def wait_for_tray_icon(self, pid: int | None = None, *, count: int = 1, timeout: float = 10.0) -> Box:
        """Wait until process ``pid`` has an icon drawn in the tray and return its box.

        Without ``pid``: wait until ``count`` icons are drawn and return the ``count``-th from the
        left (fine when only one app docks).
        """

        def found() -> list[Box]:
            icons = self.tray_icons(pid=pid)
            return icons if len(icons) >= count else []

        what = f"an icon of process {pid}" if pid is not None else f"{count} icon(s)"
        return self.wait_for(found, timeout, message=f"{what} in the tray")[count - 1]

    def tray_icon_image(self, pid: int | None = None, shot: Image.Image | None = None) -> Image.Image:
        """The pixels of process ``pid``'s icon (else the leftmost), as drawn on the tray."""
        image = shot if shot is not None else self.grab()
        icons = self.tray_icons(image, pid=pid)
        if not icons:
            raise DesktopError(f"no icon {'of process ' + str(pid) + ' ' if pid else ''}in the tray")
        return image.crop(icons[0])

    # --- notifications ---------------------------------------------------------------------------

    def notification_popups(self) -> list[Box]:
        """Where dunst's popups are on screen (empty when none is shown)."""
        boxes = (self._geometry(w) for w in self.windows_named("^Dunst$", by="class"))
        return sorted(b for b in boxes if b is not None and b.width > 1 and b.height > 1)

    def wait_for_notification_popup(self, timeout: float = 10.0) -> Box:
        return self.wait_for(self.notification_popups, timeout, message="a notification popup")[0]

    def sent_notifications(self) -> list[Notification]:
        """Every ``Notify`` call made on this desktop's bus so far, in order, as seen by ``dbus-monitor``.

        Includes notifications that replaced an earlier one (pystray always reuses its id, and
        dunst keeps no trace of the replaced one). The monitor prints strings unescaped, so a
        summary or body holding ``"`` followed by a line break and ``   string "`` would be split
        wrongly; for "this secret was never shown" checks use :meth:`notification_log`.
        """
        return [
            Notification(app, int(replaces), icon, summary, body)
            for app, replaces, icon, summary, body in _NOTIFY.findall(self.notification_log())
        ]

    def notification_log(self) -> str:
        """The raw ``dbus-monitor`` text of every ``Notify`` call so far."""
        return self.log("notify-monitor")

    def dunst_history(self) -> list[dict[str, str]]:
        """What dunst shows or showed, oldest first: ``appname``, ``summary``, ``body``, ``urgency``,
        ``icon_path`` ... (strings, as in ``dunstctl history``).

        Closes the popups on screen first: dunst lists a notification only once it leaves the
        screen. A notification replaced by a later one (same id) is not listed.
        """
        self.run(["dunstctl", "close-all"])
        # close-all is asynchronous inside dunst; a short settle avoids missing the newest one.
        time.sleep(0.1)
        data: dict[str, Any] = json.loads(self.run(["dunstctl", "history"]))
        entries = data.get("data", [[]])[0]
        items = [{key: value.get("data") for key, value in entry.items()} for entry in entries]
        items.sort(key=lambda item: int(item.get("id") or 0))
        return [{k: str(v) for k, v in item.items()} for item in items]

    def close_notifications(self) -> None:
        self.run(["dunstctl", "close-all"])

    # --- clipboard -------------------------------------------------------------------------------

    def clipboard(self, selection: str = "clipboard") -> str | None:
        """The text on ``selection`` read with xclip, or None when it is empty or nobody owns it."""
        if shutil.which("xclip") is None:
            raise DesktopError("xclip is not installed")
        try:
            done = subprocess.run(
                ["xclip", "-selection", selection, "-o"],
                env=self.env,
                capture_output=True,
                text=True,
                timeout=5,
            )
        except subprocess.TimeoutExpired:
            return None
        return done.stdout if done.returncode == 0 else None

    def _children(self, window: int) -> list[tuple[int, Box]]:
        """The direct child windows of ``window`` with their boxes on screen (xwininfo)."""
        out = self.run(["xwininfo", "-children", "-id", str(window)], check=False)
        return [
            (int(wid, 16), Box.from_geometry(int(x), int(y), int(w), int(h)))
            for wid, w, h, x, y in _CHILD.findall(out)
        ]

    def _window_pid(self, window: int) -> int | None:
        out = self.run(["xprop", "-id", str(window), "_NET_WM_PID"], check=False)
        match = re.search(r"= (\d+)", out)
        return int(match.group(1)) if match else None

    # --- start-up details ------------------------------------------------------------------------

    def _deadline(self) -> float:
        return time.monotonic() + self.startup_timeout

    def _popen(self, name: str, argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115  (closed in close())
        self._logs.append(log)
        kwargs.setdefault("stdout", log)
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stderr=log, start_new_session=True, **kwargs)
        self._procs.append((name, proc))
        return proc

    def _fail(self, what: str, name: str) -> DesktopError:
        log = (self.workdir / f"{name}.log").read_text(errors="replace").strip()
        return DesktopError(f"{what}; {name} log: {log[-2000:] or '(empty)'}")

    def _start_xvfb(self) -> None:
        read_end, write_end = os.pipe()
        try:
            proc = self._popen(
                "xvfb",
                [
                    "Xvfb",
                    "-displayfd",
                    str(write_end),
                    "-screen",
                    "0",
                    f"{self.width}x{self.height}x24",
                    "-nolisten",
                    "tcp",
                    "-noreset",
                ],
                pass_fds=(write_end,),
            )
            os.close(write_end)
            write_end = -1
            # Read up to the newline: Xvfb writes the number and "\n" in two writes, and dies with
            # "Cannot write display number" if the pipe is closed between them.
            data = b""
            deadline = self._deadline()
            while not data.endswith(b"\n"):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._fail("Xvfb did not report its display number", "xvfb")
                ready, _, _ = select.select([read_end], [], [], remaining)
                chunk = os.read(read_end, 64) if ready else b""
                if ready and not chunk:
                    raise self._fail(f"Xvfb exited ({proc.poll()}) before reporting its display", "xvfb")
                data += chunk
        finally:
            os.close(read_end)
            if write_end >= 0:
                os.close(write_end)
        self.display = f":{int(data.strip())}"

    def _start_dbus(self) -> None:
        address = self.env["DBUS_SESSION_BUS_ADDRESS"]
        proc = self._popen(
            "dbus",
            ["dbus-daemon", "--session", "--nofork", f"--address={address}", "--print-address=1"],
            stdout=subprocess.PIPE,
            env=self.env,
        )
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], self.startup_timeout)
        line = proc.stdout.readline() if ready else b""
        proc.stdout.close()
        if not line.startswith(b"unix:"):
            raise self._fail("dbus-daemon did not print its address", "dbus")

    def _start_notify_monitor(self) -> None:
        name = "notify-monitor"
        self.spawn(
            [
                "dbus-monitor",
                "--session",
                "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
            ],
            name=name,
        )
        try:
            # It announces itself (NameAcquired, then NameLost on becoming a monitor) once listening.
            self.wait_for(
                lambda: "member=NameLost" in self.log(name),
                self.startup_timeout,
                0.02,
                "dbus-monitor to listen",
            )
        except TimeoutError as exc:
            raise self._fail(str(exc), name) from exc

    def _start_trayer(self) -> None:
        self._popen(
            "trayer",
            [
                "trayer",
                "--edge",
                "top",
                "--align",
                "left",
                "--widthtype",
                "pixel",
                "--width",
                str(TRAY_WIDTH),
                "--height",
                str(TRAY_HEIGHT),
                "--SetDockType",
                "false",
                "--SetPartialStrut",
                "false",
            ],
            env=self.env,
        )

        def panel() -> int:
            if not _selection_owner(self.display, "_NET_SYSTEM_TRAY_S0"):
                return 0
            found = [
                w
                for w in self.windows_named("^panel$", by="classname")
                if "trayer" in self.run(["xprop", "-id", str(w), "WM_CLASS"], check=False)
            ]
            return found[0] if found else 0

        try:
            self._panel = self.wait_for(
                panel, self.startup_timeout, 0.05, "trayer's panel and tray selection"
            )
        except TimeoutError as exc:
            raise self._fail(str(exc), "trayer") from exc
        self.tray_box = self.window_geometry(self._panel)

    def _start_dunst(self) -> None:
        config = self.workdir / "dunstrc"
        config.write_text(DUNSTRC)
        self._popen("dunst", ["dunst", "-config", str(config)], env=self.env)

        def owned() -> bool:
            out = self.run(
                [
                    "dbus-send",
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.Notifications",
                ],
                check=False,
            )
            return "boolean true" in out

        try:
            self.wait_for(owned, self.startup_timeout, 0.05, "dunst to own org.freedesktop.Notifications")
        except TimeoutError as exc:
            raise self._fail(str(exc), "dunst") from exc


# --- helpers -------------------------------------------------------------------------------------


def _stop(proc: subprocess.Popen[bytes], grace: float = 3.0) -> None:
    """SIGTERM the process group led by ``proc`` (it was started with a new session), then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, grace)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            # The leader is gone; members of its group may linger (e.g. a service dbus started).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            return
        except subprocess.TimeoutExpired:
            continue


def _rgb(value: RGB | str) -> RGB:
    if isinstance(value, str):
        text = value.lstrip("#")
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    return value


def _pixels(image: Image.Image) -> Iterator[RGB]:
    rgb = image.convert("RGB")
    for y in range(rgb.height):
        for x in range(rgb.width):
            r, g, b = rgb.getpixel((x, y))  # type: ignore[misc]
            yield r, g, b


def _most_common(image: Image.Image) -> RGB:
    colors = image.convert("RGB").getcolors(image.width * image.height) or [(0, (0, 0, 0))]
    r, g, b = cast(RGB, max(colors, key=lambda pair: pair[0])[1])
    return r, g, b


def _column_runs(image: Image.Image, background: RGB) -> list[tuple[int, int, int, int]]:
    """Boxes of the runs of columns holding a non-background pixel (fallback icon finder)."""
    rgb = image.convert("RGB")
    columns: list[tuple[int, int] | None] = []
    for x in range(rgb.width):
        ys = [y for y in range(rgb.height) if rgb.getpixel((x, y)) != background]
        columns.append((min(ys), max(ys) + 1) if ys else None)
    runs: list[tuple[int, int, int, int]] = []
    start = None
    for x, col in enumerate([*columns, None]):
        if col is not None and start is None:
            start = x
        elif col is None and start is not None:
            spans = [c for c in columns[start:x] if c is not None]
            runs.append((start, min(s[0] for s in spans), x, max(s[1] for s in spans)))
            start = None
    return runs


def _selection_owner(display: str, selection: str) -> bool:
    """Whether some client owns the X selection (e.g. the tray manager's ``_NET_SYSTEM_TRAY_S0``)."""
    name = ctypes.util.find_library("X11")
    if name is None:
        raise DesktopError("libX11 not found")
    x11 = ctypes.CDLL(name)
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XGetSelectionOwner.restype = ctypes.c_ulong
    x11.XGetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = x11.XOpenDisplay(display.encode())
    if not dpy:
        return False
    try:
        atom = x11.XInternAtom(dpy, selection.encode(), 0)
        return bool(x11.XGetSelectionOwner(dpy, atom))
    finally:
        x11.XCloseDisplay(dpy)
