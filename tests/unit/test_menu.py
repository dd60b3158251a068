"""The tray menu as plain data: groups, recents, disabled items, sanitised labels, scale."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from trayapp.core.config import parse_config
from trayapp.core.display import one_line
from trayapp.core.model import Config
from trayapp.core.state import Console, State
from trayapp.tray.menu import (
    Command,
    CopyCredentials,
    CopyLink,
    Entry,
    Forget,
    MenuView,
    OpenConsole,
    build_menu,
    clean,
    render_text,
    time_left,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

CONFIG = b"""
[primary]
label = "george"

[[account]]
name = "side-project"
display_name = "Side project"
account_id = "444455556666"
role_name = "admin"
color = "#2e7d32"
group = "Personal"

[[account]]
name = "prod"
display_name = "Production"
account_id = "777788889999"
role_name = "ops/admin"
color = "#c62828"
group = "Work"
external_id = "acme-secret-id"

[[account]]
name = "staging"
display_name = "Staging"
account_id = "777788880000"
role_name = "admin"
color = "#1565c0"
group = "Work"

[[account]]
name = "sandbox"
display_name = "Sandbox"
account_id = "123456789012"
role_name = "dev"
"""


def config() -> Config:
    """The config above; the sandbox's label arrives unvalidated, as an AWS profile name could."""
    parsed = parse_config(CONFIG, Path("config.toml"))
    accounts = tuple(
        replace(a, display_name="Sandbox\u202eevil\nline") if a.name == "sandbox" else a
        for a in parsed.accounts
    )
    return replace(parsed, accounts=accounts)


def view(state: State | None = None, **extra: object) -> MenuView:
    return MenuView(config=config(), state=state or State(), now=NOW, primary_label="george", **extra)  # type: ignore[arg-type]


def find(entries: tuple[Entry, ...], label_start: str) -> Entry:
    for entry in entries:
        if entry.label.startswith(label_start):
            return entry
    raise AssertionError(f"no entry starting with {label_start!r} in {[e.label for e in entries]}")


def test_menu_tree_for_a_config_of_four_accounts_in_two_groups() -> None:
    expected = """\
trayapp · george [disabled]
Console: primary session [disabled]
----
Switch account… [default]
----
Personal (1)
  🟢 Side project
    444455556666 · admin [disabled]
    Open console (switch role) [default]
    Open console (signed sign-in)
    ----
    Copy credentials (bash / zsh)
    Copy credentials as
      fish
      PowerShell
      Windows cmd
      .env file
      JSON
      credential_process JSON
    Copy console link
    Forget cached session
Work (2)
  🔴 Production
    777788889999 · ops/admin [disabled]
    Open console (signed sign-in) [default]
    Open console: unavailable, needs an external id [disabled]
    ----
    Copy credentials (bash / zsh)
    Copy credentials as
      fish
      PowerShell
      Windows cmd
      .env file
      JSON
      credential_process JSON
    Copy console link: unavailable [disabled]
    Forget cached session
  🔵 Staging"""
    text = render_text(build_menu(view()))
    assert text.startswith(expected)
    assert text.endswith(
        "----\nBack to primary\nAdd account from switch-role link\nEdit accounts…\nReload\nQuit"
    )


def test_account_actions_carry_the_account_name_and_mode() -> None:
    menu = build_menu(view())
    side = find(find(menu, "Personal").children, "🟢 Side project")
    assert [e.action for e in side.children if not e.separator and e.action] == [
        OpenConsole("side-project", "switch-role"),
        OpenConsole("side-project", "signed"),
        CopyCredentials("side-project", "sh"),
        CopyLink("side-project"),
        Forget("side-project"),
    ]
    formats = find(side.children, "Copy credentials as").children
    assert [e.action for e in formats] == [
        CopyCredentials("side-project", f)
        for f in ("fish", "powershell", "cmd", "dotenv", "json", "credential-process")
    ]


def test_labels_are_sanitised() -> None:
    menu = build_menu(view())
    sandbox = find(menu, "○ Sandbox")
    assert "\u202e" not in sandbox.label and "\n" not in sandbox.label
    assert sandbox.label == "○ Sandbox evil line"
    assert sandbox.swatch == ("", "Sandbox evil line")
    assert clean("x" * 100) == "x" * 59 + "…"
    assert clean("a\u200fb\tc\x00d") == "a b c d"


def test_recent_section_and_console_header() -> None:
    state = State(
        console=Console("staging", "switch-role", "2026-11-28T12:42:30Z"),
        recent=("staging", "gone", "side-project"),
    )
    menu = build_menu(view(state))
    assert menu[1].label == "Console: 🔵 Staging · 42 min left"
    labels = [e.label for e in menu]
    start = labels.index("Recent")
    assert labels[start : start + 4] == [
        "Recent",
        "🔵 Staging",
        "🟢 Side project",
        "",
    ]  # unknown names dropped
    assert menu[start + 3].separator


def test_terminal_lines_never_take_the_console_header() -> None:
    state = State(
        console=Console("prod", "signed", "2026-11-28T12:30:00Z"),
        terminal=(("sandbox", "2026-11-28T12:52:10Z"), ("staging", "2026-11-28T11:00:00Z")),
    )
    lines = [e.label for e in build_menu(view(state))[:4]]
    assert lines == [
        "trayapp · george",
        "Console: 🔴 Production · 30 min left",
        "Terminal: ○ Sandbox evil line · 52 min left",  # staging's credentials expired: no line
        "",
    ]


def test_recent_does_not_repeat_the_accounts_listed_right_below() -> None:
    flat = parse_config(
        b'[[account]]\nname = "a"\naccount_id = "111111111111"\nrole_name = "r"\n'
        b'[[account]]\nname = "b"\naccount_id = "222222222222"\nrole_name = "r"\ngroup = "G"\n',
        Path("c.toml"),
    )
    menu = build_menu(MenuView(config=flat, state=State(recent=("a", "b")), now=NOW))
    labels = [e.label for e in menu]
    assert labels[labels.index("Recent") : labels.index("Recent") + 2] == ["Recent", "○ b"]
    only_flat = replace(flat, accounts=flat.accounts[:1])
    assert "Recent" not in [
        e.label for e in build_menu(MenuView(config=only_flat, state=State(recent=("a",)), now=NOW))
    ]


def test_expired_console_session_shows_primary() -> None:
    state = State(console=Console("staging", "switch-role", "2026-11-28T11:59:00Z"), recent=("staging",))
    assert build_menu(view(state))[1].label == "Console: primary session"


def test_busy_account_config_problems_and_autostart_checkbox() -> None:
    problems = ("line 3: account[1].color: bad", "line 9: account[2].region: worse")
    menu = build_menu(view(busy=frozenset({"staging"}), problems=problems, autostart=True))
    problem = find(menu, "⚠ Config problem: line 3")
    assert problem.label.endswith("(+1 more)")
    assert [e.label for e in problem.children if not e.separator] == [*problems, "Edit accounts…"]
    assert problem.children[-1].action is Command.EDIT
    assert find(find(menu, "Work").children, "🔵 Staging").label.endswith("(working…)")
    start = find(menu, "Start at login")
    assert start.checked is True and start.action is Command.AUTOSTART


def test_an_account_named_like_a_command_gets_account_actions() -> None:
    named = parse_config(
        b'[[account]]\nname = "back"\naccount_id = "111111111111"\nrole_name = "r"\n', Path("c.toml")
    )
    menu = build_menu(MenuView(config=named, state=State(), now=NOW, busy=frozenset()))
    assert find(menu, "Back to primary").action is Command.BACK
    account = find(menu, "○ back")
    assert OpenConsole("back", "switch-role") in [e.action for e in account.children]
    assert Command.BACK != "back"  # a command is never equal to a name


def test_no_accounts_says_how_to_add_one() -> None:
    empty = MenuView(config=Config(path=Path("c.toml"), exists=False), state=State(), now=NOW)
    assert any("No accounts yet" in e.label and not e.enabled for e in build_menu(empty))


def test_hundreds_of_accounts_stay_usable_and_fast() -> None:
    lines = []
    for i in range(600):
        group = f'group = "Team {i % 10}"\n' if i < 300 else ""
        lines.append(
            f'[[account]]\nname = "acct-{i}"\naccount_id = "{100000000000 + i}"\nrole_name = "admin"\n{group}'
        )
    big = parse_config("\n".join(lines).encode(), Path("big.toml"))
    started = time.perf_counter()
    menu = build_menu(MenuView(config=big, state=State(), now=NOW))
    elapsed = time.perf_counter() - started
    top_level = [e for e in menu if not e.separator]
    assert len(top_level) < 40  # 10 groups + 12 alphabetical chunks of 25 + fixed items
    assert all(len(e.children) <= 30 for e in top_level if e.label.startswith("Team"))
    chunks = [e for e in top_level if "–" in e.label]
    assert sum(len(c.children) for c in chunks) == 300
    assert elapsed < 2.0  # generous bound: it only guards against accidental quadratic work


def test_time_left_wording() -> None:
    assert time_left(datetime(2026, 11, 28, 14, 5, 30, tzinfo=UTC), NOW) == "2 h 5 min"
    assert time_left(datetime(2026, 11, 28, 12, 0, 59, tzinfo=UTC), NOW) == "0 min"
    assert time_left(datetime(2026, 11, 28, 11, 0, tzinfo=UTC), NOW) == "expired"


def accounts_named(names: list[str], group: str | None = None) -> Config:
    lines = []
    for i, name in enumerate(names):
        extra = f'group = "{group}"\n' if group else ""
        lines.append(
            f'[[account]]\nname = "a{i}"\ndisplay_name = "{name}"\naccount_id = "{100000000000 + i}"\n'
            f'role_name = "admin"\n{extra}'
        )
    return parse_config("\n".join(lines).encode(), Path("big.toml"))


def leaves(entry: Entry) -> list[str]:
    return [c.swatch[1] for c in entry.children if c.swatch]


def test_a_big_group_is_split_into_alphabetical_chunks_like_ungrouped_accounts() -> None:
    names = [f"{letter}{word} {i}" for letter in "abcdefgh" for word in ("lpha", "eta") for i in range(6)]
    menu = build_menu(MenuView(config=accounts_named(names, group="Work"), state=State(), now=NOW))
    work = find(menu, "Work (96)")
    chunks = work.children
    assert all(c.children and not c.swatch for c in chunks), [c.label for c in chunks]
    assert [c.label for c in chunks] == ["A–B", "C–D", "E–F", "G–H"]
    assert [n for c in chunks for n in leaves(c)] == sorted(names, key=str.casefold)
    small = build_menu(MenuView(config=accounts_named(names[:20], group="Work"), state=State(), now=NOW))
    assert [c.swatch[1] for c in find(small, "Work (20)").children if c.swatch] == names[:20]  # config order


def test_chunks_never_overlap_nor_split_a_name_prefix() -> None:
    # 60 names starting "Prod", 10 "Pa…", 5 "Q…": a chunk boundary inside "P" must fall between prefixes.
    names = [f"Prod {i:02d}" for i in range(30)] + [f"Prodx {i}" for i in range(30)]
    names += [f"Pa {i}" for i in range(10)] + [f"Q {i}" for i in range(5)]
    menu = build_menu(MenuView(config=accounts_named(names), state=State(), now=NOW))
    chunks = [e for e in menu if e.children and not e.swatch]
    seen: list[str] = []
    prefixes: list[tuple[str, str]] = []
    for chunk in chunks:
        members = leaves(chunk)
        assert 0 < len(members) <= 25, (chunk.label, len(members))
        seen += members
        first, _, last = chunk.label.rstrip("…").partition("–")
        last = last or first
        prefixes.append((first.casefold(), last.casefold()))
        assert all(m.casefold()[: len(first)] >= first.casefold() for m in members), chunk.label
        assert all(m.casefold()[: len(last)] <= last.casefold() for m in members), chunk.label
    assert seen == sorted(names, key=str.casefold)  # every account once, in order
    for (_, last), (first, _) in itertools.pairwise(prefixes):
        assert last < first, prefixes  # labels never overlap
    for left, right in itertools.pairwise(chunks):  # the same 4-letter start never spans two chunks
        a, b = leaves(left)[-1].casefold(), leaves(right)[0].casefold()
        label_depth = len(right.label.rstrip("…").partition("–")[0])
        assert a[:label_depth] != b[:label_depth], (left.label, right.label)


def test_many_accounts_of_one_display_name_are_still_chunked() -> None:
    names = ["Prod"] * 30 + ["Prod x", "Straße", "Strasse b"]
    menu = build_menu(MenuView(config=accounts_named(names), state=State(), now=NOW))
    chunks = [e for e in menu if e.children and not e.swatch]
    assert all(0 < len(c.children) <= 25 for c in chunks), [(c.label, len(c.children)) for c in chunks]
    assert sorted(n for c in chunks for n in leaves(c)) == sorted(names)
    assert len({c.label for c in chunks}) == len(chunks)  # no two chunks share a label


@pytest.mark.parametrize(
    "char", list("\x00\x1b\x7f\x85\x9b\u061c\u200b\u200f\u2028\u2029\u202e\u2060\u2065\u2066\u2069\ufeff")
)
def test_labels_drop_what_the_display_rules_drop(char: str) -> None:
    # One rule for unsafe text (core/display.py): the menu has no list of its own that could lag behind.
    assert clean(f"a{char}b") == "a b" == one_line(f"a{char}b")
