"""IAM Identity Center accounts in the menu: signed sign-in, and switch-role disabled with its reason."""

from __future__ import annotations

from dataclasses import replace

from trayapp.core.model import Account

SIDE = Account(name="side", display_name="Side", account_id="444455556666", role_name="admin")


def test_an_sso_account_offers_signed_sign_in_and_says_why_not_switch_role() -> None:
    """The menu's reason comes from the typed blocker, not from reading the sentence back."""
    from pathlib import Path

    from trayapp.core.model import Config
    from trayapp.core.state import State
    from trayapp.tray.menu import MenuView, account_entries

    sso = replace(SIDE, source="aws-sso", sso_session="corp")
    view = MenuView(
        config=Config(path=Path("/c.toml"), exists=True, accounts=(sso,)),
        state=State(),
        now=None,
        primary_label="g",
    )  # type: ignore[arg-type]
    heading, first, second = account_entries(view, sso)[:3]
    assert heading.label == "444455556666 · admin" and not heading.enabled
    assert first.label == "Open console (signed sign-in)" and first.default
    assert second.label == "Open console: unavailable, an IAM Identity Center account" and not second.enabled
