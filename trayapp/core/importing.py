"""Add accounts to config.toml with tomlkit, keeping the user's comments and layout."""

from __future__ import annotations

from pathlib import Path

from trayapp.core.config import parse_config, parse_switch_role_link
from trayapp.core.errors import ConfigError, UsageError
from trayapp.core.files import atomic_write, ensure_private_dir
from trayapp.core.identifiers import slug


def add_link(path: Path, link: str, dry_run: bool = False) -> str:
    """Add the account of a switch-role link unless the same account and role is there; return its name."""
    import tomlkit

    try:
        found = parse_switch_role_link(link.strip())
    except ValueError as exc:
        raise UsageError(f"not a switch-role link: {exc}") from None
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    document = tomlkit.parse(text)
    current = parse_config(text.encode("utf-8"), path) if text else None
    if current:
        for account in current.accounts:
            if account.account_id == found["account_id"] and account.role_name == found["role_name"]:
                raise UsageError(f"already there as {account.name!r}; nothing added")
    taken = {a.name for a in current.accounts} if current else set()
    base = slug(found.get("display_name") or f"{found['account_id']}-{found['role_name']}")
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    table = tomlkit.table()
    table.add("name", name)
    table.add("link", link.strip())
    accounts = document.get("account")
    if accounts is None:
        accounts = tomlkit.aot()
        document.append("account", accounts)
    accounts.append(table)
    new_text = tomlkit.dumps(document)
    try:
        parse_config(new_text.encode("utf-8"), path)
    except ConfigError as exc:
        raise UsageError(f"the account would make the config invalid:\n{exc}") from None
    if not dry_run:
        ensure_private_dir(path.parent)
        atomic_write(path, new_text, mode=0o600)
    return name
