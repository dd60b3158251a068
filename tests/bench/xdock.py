"""Who is docked in trayer, read in-process on one persistent X connection (ctypes libX11).

``Desktop.tray_slots`` answers the same question by spawning xwininfo and xprop, which costs
tens of milliseconds per look and competes for the CPU with the app being timed. This watcher
asks the X server directly (XQueryTree on trayer's panel, on each socket window, then the plug's
``_NET_WM_PID``) and sleeps on the connection until the panel, a socket or a plug changes
(SubstructureNotify, PropertyChange), so docking is seen when it happens, with no process spawned.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import select
from types import TracebackType

from support.desktop import Box, TraySlot

_Window = ctypes.c_ulong
_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_SUBSTRUCTURE_NOTIFY = 1 << 19
_PROPERTY_CHANGE = 1 << 22
_XA_CARDINAL = 6
_XEVENT_SIZE = 24 * ctypes.sizeof(ctypes.c_long)  # XEvent is a union padded to 24 longs


def _ignore_error(display: int | None, event: int | None) -> int:
    """A window may vanish between two requests (an app quitting): its BadWindow is not fatal."""
    return 0


_IGNORE_ERROR = _ERROR_HANDLER(_ignore_error)  # kept referenced while Xlib may call it


def _libx11() -> ctypes.CDLL:
    """libX11 with the prototypes this module calls (wrong widths would truncate XIDs and pointers)."""
    name = ctypes.util.find_library("X11")
    if name is None:
        raise RuntimeError("libX11 not found")
    x = ctypes.CDLL(name)
    p, ul, i, ui = ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_uint
    ref = ctypes.POINTER
    prototypes: dict[str, tuple[object, list[object]]] = {
        "XOpenDisplay": (p, [ctypes.c_char_p]),
        "XCloseDisplay": (i, [p]),
        "XSetErrorHandler": (_ERROR_HANDLER, [_ERROR_HANDLER]),
        "XInternAtom": (ul, [p, ctypes.c_char_p, i]),
        "XQueryTree": (i, [p, ul, ref(ul), ref(ul), ref(ref(ul)), ref(ui)]),
        "XGetGeometry": (i, [p, ul, ref(ul), ref(i), ref(i), ref(ui), ref(ui), ref(ui), ref(ui)]),
        "XTranslateCoordinates": (i, [p, ul, ul, i, i, ref(i), ref(i), ref(ul)]),
        "XGetWindowProperty": (
            i,
            [p, ul, ul, ctypes.c_long, ctypes.c_long, i, ul, ref(ul), ref(i), ref(ul), ref(ul), ref(p)],
        ),
        "XSelectInput": (i, [p, ul, ctypes.c_long]),
        "XFree": (i, [p]),
        "XPending": (i, [p]),
        "XNextEvent": (i, [p, p]),
        "XConnectionNumber": (i, [p]),
        "XFlush": (i, [p]),
    }
    for function, (restype, argtypes) in prototypes.items():
        getattr(x, function).restype = restype
        getattr(x, function).argtypes = argtypes
    return x


class DockWatch:
    """Trayer's slots as ``Desktop.tray_slots`` gives them, from an open X connection; a context manager."""

    def __init__(self, display: str, panel: int, tray_box: Box) -> None:
        self._x = _libx11()
        self._panel = panel
        self._tray_box = tray_box
        self._previous = self._x.XSetErrorHandler(_IGNORE_ERROR)
        self._dpy = self._x.XOpenDisplay(display.encode())
        if not self._dpy:
            self._x.XSetErrorHandler(self._previous)
            raise RuntimeError(f"cannot open X display {display}")
        self._root = _Window()
        self._pid_atom = self._x.XInternAtom(self._dpy, b"_NET_WM_PID", 0)
        self._event = ctypes.create_string_buffer(_XEVENT_SIZE)
        self._x.XSelectInput(self._dpy, panel, _SUBSTRUCTURE_NOTIFY)

    def __enter__(self) -> DockWatch:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._dpy:
            self._x.XCloseDisplay(self._dpy)
            self._dpy = None
            self._x.XSetErrorHandler(self._previous)

    def slots(self) -> list[TraySlot]:
        """The sockets inside the tray with the PID on each one's plug, sorted as ``tray_slots`` sorts.

        Also subscribes to each socket's and plug's changes, so :meth:`wait` wakes when a plug
        arrives in a socket or sets its PID.
        """
        found = []
        for socket in self._children(self._panel):
            self._x.XSelectInput(self._dpy, socket, _SUBSTRUCTURE_NOTIFY)  # even while not yet placed
            box = self._box(socket)
            if box is None or box.width <= 1 or box.height <= 1 or not self._tray_box.contains(box):
                continue
            plugs = self._children(socket)
            if plugs:
                self._x.XSelectInput(self._dpy, plugs[0], _PROPERTY_CHANGE)
            found.append(TraySlot(box, socket, self._pid(plugs[0]) if plugs else None))
        return sorted(found)

    def wait(self, timeout: float) -> bool:
        """Sleep until the panel, a socket or a plug changes, or ``timeout`` s pass; whether one changed."""
        changed = self._drain()
        if not changed:
            ready, _, _ = select.select([self._x.XConnectionNumber(self._dpy)], [], [], timeout)
            changed = bool(ready) and self._drain()
        return changed

    def _drain(self) -> bool:
        """Read every event already sent; their content does not matter, a new scan follows."""
        seen = False
        while self._x.XPending(self._dpy):  # XPending flushes our requests and reads the socket
            self._x.XNextEvent(self._dpy, self._event)
            seen = True
        return seen

    def _children(self, window: int) -> list[int]:
        parent = _Window()
        children = ctypes.POINTER(_Window)()
        count = ctypes.c_uint()
        if not self._x.XQueryTree(
            self._dpy,
            window,
            ctypes.byref(self._root),
            ctypes.byref(parent),
            ctypes.byref(children),
            ctypes.byref(count),
        ):
            return []  # the window is gone
        try:
            return [children[i] for i in range(count.value)]
        finally:
            if children:
                self._x.XFree(children)

    def _box(self, window: int) -> Box | None:
        """The window's rectangle on screen, as xwininfo prints it (absolute position, size)."""
        root, child = _Window(), _Window()
        x, y, left, top = ctypes.c_int(), ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
        width, height, border, depth = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
        refs = (x, y, width, height, border, depth)
        if not self._x.XGetGeometry(self._dpy, window, ctypes.byref(root), *map(ctypes.byref, refs)):
            return None
        if not self._x.XTranslateCoordinates(
            self._dpy, window, root, 0, 0, ctypes.byref(left), ctypes.byref(top), ctypes.byref(child)
        ):
            return None
        return Box.from_geometry(left.value, top.value, width.value, height.value)

    def _pid(self, window: int) -> int | None:
        kind, fmt, count, after = _Window(), ctypes.c_int(), ctypes.c_ulong(), ctypes.c_ulong()
        data = ctypes.c_void_p()
        status = self._x.XGetWindowProperty(
            self._dpy,
            window,
            self._pid_atom,
            0,
            1,
            0,
            _XA_CARDINAL,
            ctypes.byref(kind),
            ctypes.byref(fmt),
            ctypes.byref(count),
            ctypes.byref(after),
            ctypes.byref(data),
        )
        if status != 0 or not data.value:
            return None
        try:
            if kind.value != _XA_CARDINAL or fmt.value != 32 or count.value < 1:
                return None
            return int(ctypes.cast(data, ctypes.POINTER(ctypes.c_ulong))[0])  # format 32 is stored as longs
        finally:
            self._x.XFree(data)
