"""The quick switcher's filter: which accounts match a query, and in what order."""

from __future__ import annotations

import time

import pytest

from trayapp.core.model import Account
from trayapp.core.ranking import EXACT, FUZZY, PREFIX, SUBSTRING, WORD_PREFIX, Ranker, rank


def acct(
    display: str,
    name: str | None = None,
    account_id: str = "111122223333",
    role: str = "admin",
    group: str | None = None,
) -> Account:
    slug = name or display.lower().replace(" ", "-")
    return Account(name=slug, display_name=display, account_id=account_id, role_name=role, group=group)


PROD = acct("Prod", account_id="100000000001")
PRODUCTION = acct("Production", account_id="100000000002")
EU_PROD = acct("EU prod", account_id="100000000003")
REPRODUCE = acct("Reproduce", account_id="100000000004")
PIPELINE_READ = acct("Pipeline ro-dev", account_id="100000000005")
SANDBOX = acct("Sandbox", account_id="444455556666", role="ops/dev", group="Personal")
ALL = [PIPELINE_READ, REPRODUCE, EU_PROD, PRODUCTION, PROD, SANDBOX]


def names(matches: list) -> list[str]:  # type: ignore[type-arg]
    return [m.account.display_name for m in matches]


def test_exact_beats_prefix_beats_word_prefix_beats_substring_beats_fuzzy() -> None:
    found = rank(ALL, "prod")
    assert names(found) == ["Prod", "Production", "EU prod", "Reproduce", "Pipeline ro-dev"]
    assert [m.tier for m in found] == [EXACT, PREFIX, WORD_PREFIX, SUBSTRING, FUZZY]


def test_recent_breaks_ties_within_a_tier_but_never_beats_a_better_tier() -> None:
    a, b, c = acct("Prod alpha"), acct("Prod beta"), acct("Prod gamma")
    assert names(rank([a, b, c], "prod")) == ["Prod alpha", "Prod beta", "Prod gamma"]
    assert names(rank([a, b, c], "prod", recent=["prod-gamma", "prod-beta"])) == [
        "Prod gamma",
        "Prod beta",
        "Prod alpha",
    ]
    # Recent, but only a fuzzy match: the exact one still comes first.
    assert names(rank(ALL, "prod", recent=["pipeline-ro-dev"]))[0] == "Prod"


def test_empty_query_lists_recent_first_then_alphabetically() -> None:
    found = rank(ALL, "  ", recent=["sandbox", "eu-prod"])
    assert names(found) == ["Sandbox", "EU prod", "Pipeline ro-dev", "Prod", "Production", "Reproduce"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("444455556666", "Sandbox"),  # account id, exact
        ("4444-5555", "Sandbox"),  # account id as the console prints it
        ("ops/dev", "Sandbox"),  # role
        ("personal", "Sandbox"),  # group
        ("SANDBOX", "Sandbox"),  # any case
        ("sndbx", "Sandbox"),  # fuzzy
    ],
)
def test_every_field_is_searched(query: str, expected: str) -> None:
    assert names(rank(ALL, query))[:1] == [expected]


def test_every_word_must_match_and_no_match_is_empty() -> None:
    assert names(rank(ALL, "eu prod")) == ["EU prod", "Reproduce"]  # "eu" is fuzzy in "rEprodUce"
    assert rank(ALL, "sandbox prod") == []
    two = [acct("Prod EU west"), acct("EU prod")]
    assert names(rank(two, "eu prod")) == ["EU prod", "Prod EU west"]  # the whole query, exactly
    assert rank(ALL, "zzz") == []
    assert rank([], "prod") == []


def test_tighter_fuzzy_matches_come_first() -> None:
    tight, loose = acct("xaxbxc"), acct("axxxxbxxxxc")
    assert names(rank([loose, tight], "abc")) == ["xaxbxc", "axxxxbxxxxc"]


def test_typing_on_narrows_and_deleting_widens_again() -> None:
    ranker = Ranker(ALL)
    assert len(ranker.rank("p")) == 6  # Sandbox too: its group is Personal
    assert names(ranker.rank("pro")) == names(rank(ALL, "pro"))
    assert names(ranker.rank("prod")) == names(rank(ALL, "prod"))
    assert names(ranker.rank("pr")) == names(rank(ALL, "pr"))  # back: the full list again
    assert names(ranker.rank("sand")) == ["Sandbox"]


def test_limit_keeps_the_best() -> None:
    assert names(rank(ALL, "prod", limit=2)) == ["Prod", "Production"]


def test_five_thousand_accounts_filter_per_keystroke_quickly() -> None:
    accounts = [
        acct(f"Team {i % 97} service {i}", account_id=f"{i:012d}", group=f"G{i % 40}") for i in range(5000)
    ]
    ranker = Ranker(accounts)
    began = time.perf_counter()
    for query in ("t", "te", "team", "team 4", "team 42", "team 42 s", "team 42 service 42"):
        found = ranker.rank(query, limit=200)
    assert found and found[0].account.display_name == "Team 42 service 42"
    # Not a speed assertion (tests/bench measures that): a guard against a quadratic slip.
    assert time.perf_counter() - began < 5


def test_recent_accounts_can_change_without_a_new_index() -> None:
    ranker = Ranker(ALL, ["sandbox"])
    assert names(ranker.rank(""))[0] == "Sandbox"
    ranker.set_recent(["prod", "sandbox"])
    assert names(ranker.rank(""))[:2] == ["Prod", "Sandbox"]
    assert names(ranker.rank("p")) == names(rank(ALL, "p", recent=["prod", "sandbox"]))
