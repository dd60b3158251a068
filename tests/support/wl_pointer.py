"""A virtual pointer for a headless wlroots compositor (sway), spoken in the raw Wayland wire protocol.

A headless sway has no input devices, so its seat has no pointer and ``swaymsg seat seat0 cursor``
reaches no client. This helper creates one through ``zwlr_virtual_pointer_manager_v1`` (no Python
Wayland binding is packaged in Debian 12) and keeps it while it runs. It reads commands on stdin,
one a line, and answers ``ok`` once the compositor has handled them (a ``wl_display.sync``):

    move X Y            absolute position on the output (WIDTH x HEIGHT given on the command line)
    press BUTTON        1 left, 2 middle, 3 right
    release BUTTON

    python3 wl_pointer.py WIDTH HEIGHT      # with WAYLAND_DISPLAY and XDG_RUNTIME_DIR set

Standard library only: it runs under the desktop user's own Python.
"""

from __future__ import annotations

import os
import socket
import struct
import sys
import time

BUTTONS = {1: 0x110, 2: 0x112, 3: 0x111}  # BTN_LEFT, BTN_MIDDLE, BTN_RIGHT (linux/input-event-codes.h)
MANAGER = "zwlr_virtual_pointer_manager_v1"


class Wire:
    """Just enough of a Wayland client: send requests, read events, allocate ids."""

    def __init__(self) -> None:
        name = os.environ.get("WAYLAND_DISPLAY", "wayland-0")
        path = name if name.startswith("/") else os.path.join(os.environ["XDG_RUNTIME_DIR"], name)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.next_id = 2  # 1 is wl_display
        self.buffer = b""

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def send(self, obj: int, opcode: int, payload: bytes = b"") -> None:
        self.sock.sendall(struct.pack("<II", obj, (8 + len(payload)) << 16 | opcode) + payload)

    def event(self) -> tuple[int, int, bytes]:
        while len(self.buffer) < 8 or len(self.buffer) < struct.unpack_from("<II", self.buffer)[1] >> 16:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the compositor closed the connection")
            self.buffer += chunk
        obj, word = struct.unpack_from("<II", self.buffer)
        size = word >> 16
        body, self.buffer = self.buffer[8:size], self.buffer[size:]
        if obj == 1 and word & 0xFFFF == 0:  # wl_display.error
            raise RuntimeError(f"Wayland protocol error: {body!r}")
        return obj, word & 0xFFFF, body

    def roundtrip(self, on_event: dict[int, list[tuple[int, bytes]]] | None = None) -> None:
        callback = self.new_id()
        self.send(1, 0, struct.pack("<I", callback))  # wl_display.sync
        while True:
            obj, opcode, body = self.event()
            if obj == callback:
                return
            if on_event is not None:
                on_event.setdefault(obj, []).append((opcode, body))


def string(text: str) -> bytes:
    data = text.encode() + b"\0"
    return struct.pack("<I", len(data)) + data + b"\0" * (-len(data) % 4)


def main() -> int:
    width, height = int(sys.argv[1]), int(sys.argv[2])
    wire = Wire()
    registry = wire.new_id()
    wire.send(1, 1, struct.pack("<I", registry))  # wl_display.get_registry
    events: dict[int, list[tuple[int, bytes]]] = {}
    wire.roundtrip(events)
    manager = 0
    for opcode, body in events.get(registry, []):
        if opcode != 0:
            continue
        name, length = struct.unpack_from("<II", body)
        interface = body[8 : 8 + length - 1].decode()
        if interface == MANAGER:
            manager = wire.new_id()
            wire.send(registry, 0, struct.pack("<I", name) + string(MANAGER) + struct.pack("<II", 1, manager))
    if not manager:
        print(f"error: the compositor offers no {MANAGER}", flush=True)
        return 1
    pointer = wire.new_id()
    wire.send(manager, 0, struct.pack("<II", 0, pointer))  # create_virtual_pointer(seat=null)
    wire.roundtrip()
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        stamp = int(time.monotonic() * 1000) & 0xFFFFFFFF
        if words[0] == "move":
            x, y = int(words[1]), int(words[2])
            wire.send(pointer, 1, struct.pack("<IIIII", stamp, x, y, width, height))  # motion_absolute
        elif words[0] in ("press", "release"):
            state = 1 if words[0] == "press" else 0
            wire.send(pointer, 2, struct.pack("<III", stamp, BUTTONS[int(words[1])], state))  # button
        else:
            print(f"error: unknown command {words[0]!r}", flush=True)
            continue
        wire.send(pointer, 4)  # frame
        wire.roundtrip()
        print("ok", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
