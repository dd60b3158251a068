"""NAME on the command line: name, else display name (any case), else account id; close matches on failure."""

from __future__ import annotations

import pytest

from trayapp.core.errors import UsageError
from trayapp.core.matching import close_matches, find_account
from trayapp.core.model import Account

ACCOUNTS = (
    Account(name="side-project", display_name="Side project", account_id="444455556666", role_name="admin"),
    Account(name="prod", display_name="Production", account_id="111122223333", role_name="admin"),
    Account(
        name="prod-readonly", display_name="Production (read only)", account_id="111122223333", role_name="ro"
    ),
    Account(name="staging", display_name="Prod", account_id="777788889999", role_name="admin"),
    Account(name="billing", display_name="Billing", account_id="012345678901", role_name="admin"),
)


def names(*wanted: str) -> list[str]:
    return [find_account(ACCOUNTS, w).name for w in wanted]


@pytest.mark.parametrize(
    ("wanted", "name"),
    [
        ("side-project", "side-project"),
        ("  side-project ", "side-project"),
        ("SIDE-PROJECT", "side-project"),
        ("side project", "side-project"),  # display name, any case
        ("SIDE PROJECT", "side-project"),
        ("production (READ ONLY)", "prod-readonly"),
        ("prod", "prod"),  # a name beats another account's display name "Prod"
        ("444455556666", "side-project"),
        ("4444-5555-6666", "side-project"),
        ("012345678901", "billing"),
        ("0123-4567-8901", "billing"),
        ("777788889999", "staging"),
    ],
)
def test_find_account(wanted: str, name: str) -> None:
    assert find_account(ACCOUNTS, wanted).name == name


def test_exact_name_beats_case_folded_name() -> None:
    accounts = (
        Account(name="Dev", display_name="Upper", account_id="111111111111", role_name="r"),
        Account(name="dev", display_name="Lower", account_id="222222222222", role_name="r"),
    )
    assert find_account(accounts, "dev").display_name == "Lower"
    assert find_account(accounts, "Dev").display_name == "Upper"


@pytest.mark.parametrize("wanted", ["111122223333", "1111-2222-3333"])
def test_ambiguous_account_id_lists_both_names(wanted: str) -> None:
    with pytest.raises(UsageError) as caught:
        find_account(ACCOUNTS, wanted)
    message = str(caught.value)
    assert "matches several accounts: prod, prod-readonly" in message
    assert caught.value.exit_code == 2


def test_ambiguous_display_name_lists_both_names() -> None:
    accounts = (
        Account(name="a", display_name="Shared", account_id="111111111111", role_name="r"),
        Account(name="b", display_name="shared", account_id="222222222222", role_name="r"),
    )
    with pytest.raises(UsageError, match="'SHARED' matches several accounts: a, b"):
        find_account(accounts, "SHARED")


@pytest.mark.parametrize(
    ("wanted", "suggested"),
    [
        ("side-proj", ["side-project"]),
        ("sideproject", ["side-project"]),
        ("biling", ["billing"]),
        ("stagin", ["staging"]),
        ("readonly", ["prod-readonly"]),
        ("prod-read", ["prod-readonly", "prod"]),
    ],
)
def test_unknown_name_suggests_close_matches(wanted: str, suggested: list[str]) -> None:
    with pytest.raises(UsageError) as caught:
        find_account(ACCOUNTS, wanted)
    assert str(caught.value) == f"no account named {wanted!r}; did you mean {', '.join(suggested)}?"
    assert close_matches(ACCOUNTS, wanted) == suggested


def test_unknown_name_without_close_matches_points_to_list() -> None:
    with pytest.raises(UsageError) as caught:
        find_account(ACCOUNTS, "zzzzzz")
    assert str(caught.value) == "no account named 'zzzzzz'; 'trayapp list' shows them all"


def test_unknown_name_suggests_several() -> None:
    with pytest.raises(UsageError) as caught:
        find_account(ACCOUNTS, "product")
    assert str(caught.value) == "no account named 'product'; did you mean prod, prod-readonly?"


def test_no_accounts_at_all() -> None:
    with pytest.raises(UsageError, match="the config has no accounts yet"):
        find_account((), "anything")


def test_partial_account_id_is_not_a_match() -> None:
    with pytest.raises(UsageError):
        find_account(ACCOUNTS, "4444-5555")
