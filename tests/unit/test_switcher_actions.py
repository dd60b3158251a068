"""The switcher without a screen: its keys map to the menu's own actions; its socket is private."""

from __future__ import annotations

import socket
import stat
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from trayapp.core.config import parse_config
from trayapp.core.state import State
from trayapp.switcher import ipc
from trayapp.switcher.host import action_for
from trayapp.tray.menu import Action, CopyCredentials, MenuView, OpenConsole, build_menu

CONFIG = b"""
[settings]
credential_format = "fish"

[[account]]
name = "staging"
display_name = "Staging"
account_id = "777788880000"
role_name = "admin"

[[account]]
name = "prod"
display_name = "Production"
account_id = "777788889999"
role_name = "admin"
external_id = "acme"
"""


def menu_actions(config: object, name: str) -> set[Action]:
    """Every action the tray menu offers for one account."""
    from datetime import UTC, datetime

    menu = build_menu(MenuView(config=config, state=State(), now=datetime.now(UTC)))  # type: ignore[arg-type]
    found: set[Action] = set()

    def walk(entries: tuple) -> None:  # type: ignore[type-arg]
        for entry in entries:
            if entry.enabled and getattr(entry.action, "account", None) == name:
                found.add(entry.action)
            walk(entry.children)

    walk(menu)
    return found


def test_keys_are_the_menus_own_actions() -> None:
    config = parse_config(CONFIG, Path("c.toml"))
    staging, prod = config.accounts
    assert action_for(config, staging, "open") == OpenConsole("staging", "switch-role")
    assert action_for(config, staging, "open-other") == OpenConsole("staging", "signed")
    assert action_for(config, staging, "copy") == CopyCredentials("staging", "fish")  # the default format
    for account in (staging, prod):
        for key in ("open", "copy"):
            assert action_for(config, account, key) in menu_actions(config, account.name)
    # The default item of the account's submenu is what Enter does.
    signed_default = replace(config, primary=replace(config.primary, console="signed"))
    assert action_for(signed_default, staging, "open") == OpenConsole("staging", "signed")
    assert action_for(signed_default, staging, "open-other") == OpenConsole("staging", "switch-role")


def test_the_other_mode_says_why_when_switch_role_cannot_work() -> None:
    config = parse_config(CONFIG, Path("c.toml"))
    prod = config.accounts[1]
    assert action_for(config, prod, "open") == OpenConsole("prod", "signed")  # external id: signed by default
    why = action_for(config, prod, "open-other")
    assert isinstance(why, str) and "external id" in why and why.startswith("Switch role is unavailable")


@pytest.fixture
def short_dir() -> Path:
    """A socket path must stay under ~108 bytes; pytest's tmp_path may not."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="ts-"))
    yield folder  # type: ignore[misc]
    shutil.rmtree(folder, ignore_errors=True)


def test_the_tray_answers_show_on_a_private_socket(short_dir: Path) -> None:
    path = short_dir / "run" / "switch.sock"
    shown = threading.Event()
    server = ipc.Server(shown.set, path)
    assert server.start()
    try:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert ipc.ask_tray_to_show(path)
        assert shown.wait(5)
    finally:
        server.close()
    assert not path.exists()
    assert not ipc.ask_tray_to_show(path)  # nobody listens: the caller opens its own window


def test_a_socket_left_by_a_killed_tray_is_replaced_and_a_dead_one_is_not_trusted(short_dir: Path) -> None:
    path = short_dir / "switch.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))
    dead.close()  # the file stays, nobody listens
    assert not ipc.ask_tray_to_show(path)
    shown = threading.Event()
    server = ipc.Server(shown.set, path)
    assert server.start()
    try:
        assert ipc.ask_tray_to_show(path) and shown.wait(5)
    finally:
        server.close()


def test_other_requests_are_ignored(short_dir: Path) -> None:
    path = short_dir / "switch.sock"
    shown = threading.Event()
    server = ipc.Server(shown.set, path)
    assert server.start()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(5)
            client.connect(str(path))
            client.sendall(b"quit\n")
            assert client.recv(16) == b""
        assert not shown.is_set()
    finally:
        server.close()


def test_a_python_without_tk_says_so_when_the_switcher_is_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from trayapp.switcher.host import Switcher

    class Controller:
        def __init__(self) -> None:
            self.notes: list[tuple[str, str]] = []

        def notify(self, title: str, message: str) -> None:
            self.notes.append((title, message))

    monkeypatch.setitem(sys.modules, "tkinter", None)  # what "import tkinter" meets without python3-tk
    monkeypatch.delitem(sys.modules, "trayapp.switcher.window", raising=False)
    controller = Controller()
    switcher = Switcher(controller)  # type: ignore[arg-type]
    switcher.start()
    assert switcher.ready.wait(10)
    switcher.show()
    assert controller.notes == [
        ("trayapp", "The quick switcher needs Tk, which this Python lacks (Debian and Ubuntu: python3-tk)")
    ]
