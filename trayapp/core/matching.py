"""Find the account a user named: by name, display name or account id, with close matches."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from trayapp.core.errors import UsageError
from trayapp.core.model import Account


def find_account(accounts: Sequence[Account], wanted: str) -> Account:
    """The one account ``wanted`` names; UsageError listing close matches when none or several do."""
    text = wanted.strip()
    folded = text.casefold()
    digits = text.replace("-", "")
    for candidates in (
        [a for a in accounts if a.name == text],
        [a for a in accounts if a.name.casefold() == folded],
        [a for a in accounts if a.display_name.casefold() == folded],
        [a for a in accounts if a.account_id == digits],
    ):
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            names = ", ".join(a.name for a in candidates)
            raise UsageError(f"{wanted!r} matches several accounts: {names}; use one of these names")
    close = close_matches(accounts, text)
    if not accounts:
        raise UsageError(
            f"no account named {wanted!r}: the config has no accounts yet (see 'trayapp config path')"
        )
    hint = f"; did you mean {', '.join(close)}?" if close else "; 'trayapp list' shows them all"
    raise UsageError(f"no account named {wanted!r}{hint}")


def close_matches(accounts: Sequence[Account], text: str, limit: int = 5) -> list[str]:
    """Names of accounts whose name or display name resembles ``text``."""
    folded = text.casefold()
    by_key: dict[str, str] = {}
    for account in accounts:
        by_key.setdefault(account.name.casefold(), account.name)
        by_key.setdefault(account.display_name.casefold(), account.name)
    found = [by_key[k] for k in difflib.get_close_matches(folded, list(by_key), n=limit, cutoff=0.6)]
    found += [
        a.name for a in accounts if folded and folded in a.name.casefold() + " " + a.display_name.casefold()
    ]
    return list(dict.fromkeys(found))[:limit]
