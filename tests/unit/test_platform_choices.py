"""What each OS and session gets: clipboard tool, tray backend, left click, UI thread, browser (with fakes)."""

from __future__ import annotations

import sys
import threading
import time
import types
from pathlib import Path
from typing import Any

import pytest
from support.cli import run_python

from trayapp.core.errors import TrayappError
from trayapp.platforms import browser, clipboard
from trayapp.tray import backend
from trayapp.tray.icon import PystraySurface, call_on_ui_thread, default_on_click

ALL_TOOLS = {"wl-copy", "wl-paste", "xclip", "xsel"}


def which_of(*present: str) -> Any:
    return lambda name: f"/usr/bin/{name}" if name in present else None


@pytest.mark.parametrize(
    ("platform", "environ", "present", "tool"),
    [
        ("darwin", {}, (), "pbcopy"),
        ("win32", {}, (), None),  # pyperclip talks to Win32 itself: no helper process
        ("linux", {"WAYLAND_DISPLAY": "wayland-1"}, ALL_TOOLS, "wl-copy"),
        ("linux", {"WAYLAND_DISPLAY": "wayland-1", "DISPLAY": ":0"}, ALL_TOOLS, "wl-copy"),
        ("linux", {"WAYLAND_DISPLAY": "wayland-1", "DISPLAY": ":0"}, {"xclip"}, "xclip"),  # XWayland
        ("linux", {"DISPLAY": ":0"}, ALL_TOOLS, "xclip"),
        ("linux", {"DISPLAY": ":0"}, {"xsel", "wl-copy", "wl-paste"}, "xsel"),
    ],
)
def test_clipboard_tool_per_os_and_session(
    platform: str, environ: dict[str, str], present: set[str], tool: str | None
) -> None:
    chosen = clipboard.choose_tool(platform, environ, which_of(*present))
    assert (chosen.name if chosen else None) == tool


def test_clipboard_on_wayland_clears_with_wl_copy_and_pastes_without_a_newline() -> None:
    tool = clipboard.choose_tool("linux", {"WAYLAND_DISPLAY": "w"}, which_of(*ALL_TOOLS))
    assert tool is not None
    assert tool.clear == ["wl-copy", "--clear"] and tool.paste == ["wl-paste", "--no-newline"]
    assert not any(part.startswith("x") for part in tool.copy + tool.paste + tool.clear)  # nothing X11


@pytest.mark.parametrize(
    ("environ", "present", "message"),
    [
        (
            {},
            ALL_TOOLS,
            "there is no display to hold the clipboard ($DISPLAY and $WAYLAND_DISPLAY are unset)",
        ),
        ({"DISPLAY": ":0"}, (), "no clipboard tool found; install xclip or xsel"),
        ({"WAYLAND_DISPLAY": "w"}, {"xclip"}, "no clipboard tool found; install wl-clipboard"),
    ],
)
def test_clipboard_errors_say_what_is_missing(
    environ: dict[str, str], present: set[str], message: str
) -> None:
    with pytest.raises(TrayappError) as caught:
        clipboard.choose_tool("linux", environ, which_of(*present))
    assert str(caught.value).startswith(message)


def test_a_clipboard_helper_that_lingers_does_not_hold_our_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Like xclip: the copy tool leaves a process behind serving the selection."""
    fake = tmp_path / "xclip"
    fake.write_text('#!/bin/sh\ncat > "$(dirname "$0")/copied"\n(sleep 30 &)\necho noise; echo noise >&2\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    script = (
        "import os, sys; from trayapp.platforms import clipboard; "
        "clipboard.DesktopClipboard(sys.platform, os.environ).copy('secret-ish'); print('done')"
    )
    began = time.monotonic()
    done = run_python(script, timeout=20)  # its output to pipes, as `| cat` and `$(...)` have
    assert time.monotonic() - began < 10
    assert done.returncode == 0, done.stderr
    assert done.stdout == "done\n" and "noise" not in done.stderr
    assert (tmp_path / "copied").read_text() == "secret-ish"


@pytest.mark.parametrize(
    ("environ", "platform", "watcher", "expected"),
    [
        ({}, "linux", True, "appindicator"),
        ({}, "linux", False, "gtk"),
        ({"PYSTRAY_BACKEND": "xorg"}, "linux", True, "xorg"),
        ({}, "darwin", False, None),
        ({}, "win32", True, None),
    ],
)
def test_tray_backend_follows_the_session(
    environ: dict[str, str], platform: str, watcher: bool, expected: str | None
) -> None:
    name, why = backend.choose_backend(environ, platform, lambda: watcher)
    assert name == expected
    assert why


def test_the_watcher_probe_says_no_without_a_session_bus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    pytest.importorskip("gi")
    assert backend.watcher_on_session_bus(timeout_ms=200) is False


class FakeBackendIcon:
    """Stands in for pystray's GTK Icon: the popup handler opens the menu."""

    def __init__(self) -> None:
        self._status_icon = object()
        self._menu_handle: str | None = "menu"  # pystray builds it before the icon shows; we build it after
        self.menu = "the controller's menu"
        self.events: list[str] = []

    def _create_menu(self, menu: str) -> str:
        self.events.append(f"built {menu}")
        return menu

    def _on_status_icon_popup_menu(self, status_icon: object, button: int, time: int) -> None:
        self.events.append(f"menu (button {button})")


class FakeSurface:
    """The tray surface as the left click sees it: it runs the default item when the menu has one."""

    def __init__(self, has_default: bool) -> None:
        self.has_default = has_default
        self.has_real_menu = True  # the controller's menu is built (before it is: "trayapp is starting…")
        self.ran: list[str] = []

    def activate_default(self) -> bool:
        if self.has_default:
            self.ran.append("default item")
        return self.has_default

    def wait_until_ready(self) -> bool:
        self.ran.append("waited for the tray")
        return True


def test_left_click_runs_the_default_item_or_opens_the_menu() -> None:
    with_default = FakeSurface(True)
    icon = default_on_click(FakeBackendIcon, with_default)()  # type: ignore[arg-type]
    icon()
    assert with_default.ran == ["default item"] and icon.events == []
    without = FakeSurface(False)
    icon = default_on_click(FakeBackendIcon, without)()  # type: ignore[arg-type]
    icon()
    assert without.ran == [] and icon.events == ["menu (button 1)"]


def test_a_click_before_the_menu_is_built_waits_for_the_tray_and_builds_it() -> None:
    surface = FakeSurface(False)
    icon = default_on_click(FakeBackendIcon, surface)()  # type: ignore[arg-type]
    surface.has_real_menu = False  # the icon shows before the tray behind it has loaded
    icon._on_status_icon_popup_menu(icon._status_icon, 3, 0)
    assert surface.ran == ["waited for the tray"]
    assert icon.events == ["built the controller's menu", "menu (button 3)"]
    surface.has_real_menu = True  # pystray's _create_menu asked the surface for its items
    icon._on_status_icon_popup_menu(icon._status_icon, 3, 0)  # built once: later clicks just open it
    assert icon.events[-1] == "menu (button 3)" and len(icon.events) == 3


def test_a_tray_that_fails_to_load_behind_its_icon_stops_its_loop_and_raises_why() -> None:
    """The controller loads after the first paint, on pystray's setup thread: its failure must not hang the tray."""
    events: list[str] = []

    class LoopIcon:
        visible = False
        title = "trayapp"

        def run(self, setup: Any) -> None:  # pystray: the loop runs, setup runs beside it
            setup(self)
            events.append("loop ended")

        def stop(self) -> None:
            events.append("stopped")

    surface = object.__new__(PystraySurface)  # the toolkit half is not needed to run the loop's logic
    surface.icon, surface.embedded, surface.controller, surface.failure = LoopIcon(), None, None, None
    surface.ready, surface.stopped = threading.Event(), threading.Event()

    def load() -> Any:
        raise OSError("the state folder is not ours")

    with pytest.raises(OSError, match="not ours"):
        surface.run(load)
    assert events == ["stopped", "loop ended"]
    assert not surface.wait_until_ready()  # a click waiting on the tray gives up at once


def test_menu_updates_go_to_the_main_thread_on_macos(monkeypatch: pytest.MonkeyPatch) -> None:
    queued: list[Any] = []
    helper = types.ModuleType("PyObjCTools.AppHelper")
    helper.callAfter = queued.append  # type: ignore[attr-defined]
    package = types.ModuleType("PyObjCTools")
    package.AppHelper = helper  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "PyObjCTools", package)
    monkeypatch.setitem(sys.modules, "PyObjCTools.AppHelper", helper)
    ran: list[str] = []

    def work() -> None:
        ran.append("ran")

    monkeypatch.setattr(sys, "platform", "darwin")
    call_on_ui_thread(work)
    assert ran == [] and queued == [work]  # queued for AppKit's main thread, not run here
    monkeypatch.setattr(sys, "platform", "linux")
    call_on_ui_thread(work)
    assert ran == ["ran"]


def test_a_browser_template_gets_the_url_as_one_argument_and_stdio_of_its_own(tmp_path: Path) -> None:
    out = tmp_path / "argv"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {out}\n(sleep 30 &)\necho noise\n')
    script.chmod(0o755)
    url = "https://example.com/a b?x=1&y='2'"
    caller = f"from trayapp.platforms import browser; browser.open_url({url!r}, {str(script) + ' -P work'!r})"
    done = run_python(caller, timeout=20)
    assert done.returncode == 0 and done.stdout == "", done
    deadline = time.monotonic() + 10
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert out.read_text().splitlines() == ["-P", "work", url]
    assert browser.browser_argv("open -a Firefox {url}", url) == ["open", "-a", "Firefox", url]  # macOS
    assert browser.browser_argv('"C:\\Program Files\\Firefox\\firefox.exe"', url)[-1] == url  # Windows
