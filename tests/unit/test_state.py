"""The state model with an injected clock: the console and terminal credentials, each with its own end."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support.fakeenv import Fakes
from support.layers import POSIX_ONLY

from trayapp.app import App
from trayapp.core.cache import CachedSession, MemoryCache
from trayapp.core.config import parse_config
from trayapp.core.model import Account, RoleCredentials
from trayapp.core.state import (
    SIGNED_CONSOLE_DEFAULT,
    SWITCH_ROLE_CONSOLE,
    Console,
    State,
    StateStore,
    stamp,
    where,
)

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
CONFIG = parse_config(
    b"""
[primary]
label = "george"
account_id = "111122223333"

[[account]]
name = "prod"
display_name = "Production"
account_id = "777788889999"
role_name = "admin"
duration = "2h"

[[account]]
name = "sandbox"
display_name = "Sandbox"
account_id = "123456789012"
role_name = "dev"
""",
    Path("config.toml"),
)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_the_console_and_terminal_credentials_are_kept_apart() -> None:
    state = State().opened("prod", "signed", stamp(at(60))).handed_out("sandbox", stamp(at(52)))
    now = where(CONFIG, state, T0)
    assert now.console is not None and now.console.name == "prod"
    assert [(a.name, until) for a, until in now.terminal] == [("sandbox", at(52))]
    assert state.recent == ("sandbox", "prod")

    # Sandbox's credentials end first: the console stays.
    later = where(CONFIG, state, at(53))
    assert later.console is not None and later.console.name == "prod" and later.terminal == ()
    # The console session ends: neutral, whatever the terminals hold.
    assert where(CONFIG, state.handed_out("sandbox", stamp(at(200))), at(61)).console is None


def test_handing_out_credentials_again_replaces_that_accounts_line_only() -> None:
    state = State().handed_out("sandbox", stamp(at(10))).handed_out("prod", stamp(at(20)))
    state = state.handed_out("sandbox", stamp(at(30)))
    assert state.terminal == (("sandbox", stamp(at(30))), ("prod", stamp(at(20))))
    assert state.forgot("prod").terminal == (("sandbox", stamp(at(30))),)
    assert state.forgot(None).terminal == ()


def test_back_to_primary_leaves_terminal_credentials_alone() -> None:
    state = (
        State(clipboard="abc")
        .opened("prod", "switch-role", stamp(at(60)))
        .handed_out("sandbox", stamp(at(60)))
    )
    back = state.back_to_primary()
    assert back.console is None and back.clipboard is None
    assert back.terminal == state.terminal and back.recent == state.recent


def test_unknown_accounts_drop_out_of_where() -> None:
    state = State().opened("gone", "switch-role", stamp(at(60))).handed_out("gone-too", stamp(at(60)))
    assert where(CONFIG, state, T0) == where(CONFIG, State(), T0)


@pytest.fixture
def app(tmp_path: Path) -> tuple[App, Clock, list[str]]:
    """An App whose browser, clipboard and STS are fakes: the state it writes is what is tested here."""
    clock = Clock()
    fakes = Fakes(clock=clock)  # type: ignore[arg-type]
    opened = fakes.browser.urls
    made = App(CONFIG, lambda *_: None, fakes.env(), MemoryCache(), StateStore(tmp_path / "state.json"))

    class Provider:
        def credentials(self, account: Account) -> CachedSession:
            until = stamp(clock() + timedelta(minutes=60))
            return CachedSession(account.name, account.role_arn, RoleCredentials("ASIA1", "s", "t", until))

    made._provider = Provider()  # type: ignore[assignment]
    return made, clock, opened


def test_a_switch_role_console_lasts_one_hour_and_copies_never_move_it(
    app: tuple[App, Clock, list[str]],
) -> None:
    made, clock, _ = app
    made.open_console(made.find("prod"), "switch-role")
    clock.now = at(10)
    made.copy_credentials(made.find("sandbox"))
    made.credentials(made.find("prod"))  # `trayapp creds prod`: a terminal line, not the console
    state = made.state()
    assert state.console == Console("prod", "switch-role", stamp(T0 + SWITCH_ROLE_CONSOLE))
    assert dict(state.terminal) == {"sandbox": stamp(at(70)), "prod": stamp(at(70))}


def test_a_signed_console_lasts_its_session_duration_else_awss_default(
    app: tuple[App, Clock, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    made, _, _ = app
    monkeypatch.setattr(made, "signed_url", lambda a, r, s: ("https://secret", made.provider.credentials(a)))
    made.open_console(made.find("prod"), "signed")  # duration = "2h": SessionDuration 7200
    assert made.state().console == Console("prod", "signed", stamp(at(120)))
    made.open_console(made.find("sandbox"), "signed")  # no duration: AWS's default, one hour
    assert made.state().console == Console("sandbox", "signed", stamp(T0 + SIGNED_CONSOLE_DEFAULT))


def test_back_paths(app: tuple[App, Clock, list[str]]) -> None:
    made, _, opened = app
    assert (
        made.back("george").message("george")
        == "Already in the primary session; the browser was left as it is."
    )
    assert opened == []
    made.open_console(made.find("prod"), "switch-role")
    done = made.back("george")
    assert (done.done, done.message("george")) == ("sign-in-page", "Signed out; sign in as george.")
    assert opened[-1].startswith("https://us-east-1.signin.aws.amazon.com/oauth?Action=logout&")
    assert made.state().console is None


def test_the_clipboard_is_mentioned_only_when_trayapp_cleared_its_own() -> None:
    from trayapp.app import Back

    assert Back("sign-in-page", True).message("george") == (
        "Signed out; sign in as george. Copied credentials cleared from the clipboard."
    )
    assert Back("federated", False).message("george") == "Console opened as george (federated, 12 h)."


# -- the file ---------------------------------------------------------------------------------------


def test_the_file_round_trips_and_reads_the_old_format(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.json")
    state = (
        State(clipboard="f" * 64).opened("prod", "signed", stamp(at(60))).handed_out("sandbox", stamp(at(5)))
    )
    store.save(state)
    assert StateStore(store.path).load() == state

    store.path.write_text(json.dumps({"active": "prod", "active_until": stamp(at(30)), "recent": ["prod"]}))
    assert store.load() == State(console=Console("prod", "switch-role", stamp(at(30))), recent=("prod",))
    assert store.problem is None


@POSIX_ONLY
def test_the_file_is_private(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.json")
    store.save(State(clipboard="f" * 64))
    assert store.path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[]",
        b'{"console": {"account": 5, "mode": "signed", "until": "2026-11-28T12:00:00Z"}}',
        b'{"console": {"account": "prod", "mode": "signed", "until": "tomorrow"}}',
        b'{"console": {"account": "prod", "mode": "signed", "until": "2026-11-28T12:00:00"}}',
        b'{"terminal": [["prod"]]}',
        b'{"terminal": {"prod": 1}}',
        b'{"recent": [1, 2]}',
        b'{"active": ["prod"], "active_until": "2026-11-28T12:00:00Z"}',
        b"\xff\xfe",
        b"[" * 100_000,
    ],
)
def test_a_damaged_file_is_set_aside_with_one_sentence(tmp_path: Path, content: bytes) -> None:
    store = StateStore(tmp_path / "state.json")
    store.path.write_bytes(content)
    assert store.load() == State()
    aside = tmp_path / "state.json.bad"
    assert aside.read_bytes() == content and not store.path.exists()  # nothing lost
    assert (
        store.problem is not None and str(store.path) in store.problem and "state.json.bad" in store.problem
    )
    assert "\n" not in store.problem
    store.save(State().opened("prod", "switch-role", stamp(at(60))))  # and trayapp carries on
    assert store.load().console is not None


def test_concurrent_updates_are_never_lost(tmp_path: Path) -> None:
    names = [f"acct-{i}" for i in range(20)]
    stores = [StateStore(tmp_path / "state.json") for _ in names]
    threads = [
        threading.Thread(target=s.update, args=(lambda st, n=n: st.handed_out(n, stamp(at(60))),))
        for s, n in zip(stores, names, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {name for name, _ in StateStore(tmp_path / "state.json").load().terminal} == set(names)
