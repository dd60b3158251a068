"""Where config problems point: the line, and the account by its name (issue 9, issue 13)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from trayapp.core.config import parse_config
from trayapp.core.errors import ConfigError
from trayapp.core.importing import check_candidate
from trayapp.core.keylines import KeyLines


def config_toml(count: int) -> str:
    """A valid config of ``count`` accounts, each table 10 lines apart, the first at line 6."""
    head = '[primary]\nlabel = "george"\nregion = "eu-west-1"\n\n'
    return head + "".join(
        f'\n[[account]]\nname = "acct-{i:03d}"\ndisplay_name = "Account {i}"\n'
        f'account_id = "{100000000000 + i:012d}"\nrole_name = "ops/admin"\ncolor = "#{i * 40503 % 0xFFFFFF:06x}"\n'
        f'region = "eu-central-1"\ngroup = "Team {i % 10}"\nduration = "1h"\n'
        for i in range(count)
    )


def problems(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(ConfigError) as caught:
        parse_config(textwrap.dedent(text).encode(), Path("config.toml"))
    return [(p.line, p.key, p.setting) for p in caught.value.problems]


def test_an_account_is_named_by_name_else_display_name_else_place() -> None:
    found = problems(
        """\
        [[account]]
        name = "prod.eu"
        account_id = "1"
        role_name = "r"

        [[account]]
        display_name = "Side project"
        account_id = "111122223333"
        role_name = "r"
        region = "mars"

        [[account]]
        account_id = "111122223333"
        role_name = "r"
        colour = "red"

        [[account]]
        name = "bad name!"
        display_name = "Fallback"
        account_id = "111122223333"
        """
    )
    assert found == [
        (3, "account 'prod.eu'.account_id", "account_id"),
        (10, "account 'Side project'.region", "region"),
        (15, "account[3].colour", "colour"),  # neither name nor display name: its place
        (17, "account 'Fallback'", ""),  # missing role_name
        (18, "account 'Fallback'.name", "name"),  # an invalid name is no label: the display name is
    ]


def test_the_key_inside_its_table_is_given_apart_from_the_label() -> None:
    # A name with dots used to be cut at its first "." to find the key; now the key travels typed.
    with pytest.raises(ValueError) as caught:
        check_candidate({"name": "a.b.c", "account_id": "1", "role_name": "r"}, "eu-west-1", Path("c.toml"))
    assert str(caught.value).startswith("account_id: must be exactly 12 digits")


def test_a_header_inside_a_multiline_string_is_not_a_table() -> None:
    found = problems(
        '''\
        [primary]
        label = """
        [[account]]
        """

        [[account]]
        name = "a"
        account_id = "111122223333"
        role_name = "r"
        region = "nowhere"
        '''
    )
    assert (10, "account 'a'.region", "region") in found


@pytest.mark.parametrize(
    "text",
    [
        config_toml(30),
        "[primary]\r\nregion = 'eu-west-1'\r\n\r\n[[account]] # c\r\nname = 'a'\r\n",
        '  [ primary ]  \n\t[[ account ]]\n[["account"]]\n[settings]\n[[account]]\n',
        "x = 1\n[primary]\nlabel = '''\n[[account]]\n'''\n[[account]]\n",
    ],
)
def test_the_quick_table_scan_agrees_with_the_full_scan(text: str) -> None:
    quick, full = KeyLines(text), KeyLines(text).all()
    assert quick.tables and all(full[place] == line for place, line in quick.tables.items())
    assert {p for p in full if len(p) == 1 or isinstance(p[-1], int)} <= set(quick.tables) | {("x",)}


def test_a_valid_config_never_scans_its_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    text = config_toml(50)

    def refuse(self: KeyLines) -> None:
        raise AssertionError("the line-by-line scan ran for a config without problems")

    monkeypatch.setattr(KeyLines, "_scan", refuse)
    config = parse_config(text.encode(), Path("c.toml"))
    lines = text.splitlines()
    assert len(config.accounts) == 50
    assert all(lines[a.line - 1] == "[[account]]" for a in config.accounts if a.line)
    assert [a.line for a in config.accounts][:3] == [6, 16, 26]
