"""What the cache-hit fast path needs from config.toml, read with tomllib alone.

``trayapp.core.config`` is the reference: it builds the model and reports every problem, at the
price of dataclasses, difflib and urllib. This reader accepts only a config that the reference
would load without a single problem; for anything it cannot vouch for it returns None and the
full command line reads the file. Its rules are the reference's, written without the model;
tests/unit/test_fastpath.py checks it against the reference, config by config.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from typing import Any, NamedTuple

from trayapp.core import configvalues as check
from trayapp.core import identifiers as ids
from trayapp.core.identifiers import NAME as NAME
from trayapp.core.identifiers import SERVICE as SERVICE
from trayapp.core.schema import ACCOUNT_KEYS as ALL_ACCOUNT_KEYS
from trayapp.core.schema import CONSOLE_MODES, CREDENTIAL_FORMATS, SESSION_CACHES, SETTINGS_KEYS, TOP_KEYS
from trayapp.core.schema import PRIMARY_KEYS as ALL_PRIMARY_KEYS

# The reference's own constants and checks (a ValueError from a check is doubt too); a config with
# switch-role links, IAM Identity Center accounts or [primary] back is read by the reference itself.
CONTROL = check.CONTROL
PRIMARY_KEYS = tuple(k for k in ALL_PRIMARY_KEYS if k != "back")
ACCOUNT_KEYS = tuple(k for k in ALL_ACCOUNT_KEYS if k not in ("link", "sso_session"))
__all__ = [
    "ACCOUNT_KEYS",
    "CONSOLE_MODES",
    "CONTROL",
    "CREDENTIAL_FORMATS",
    "NAME",
    "PRIMARY_KEYS",
    "SERVICE",
    "SESSION_CACHES",
    "SETTINGS_KEYS",
    "TOP_KEYS",
    "Doubt",
    "FastConfig",
    "Target",
    "read",
]


class Doubt(Exception):
    """The reference might see a problem here: leave the file to it."""


class Target(NamedTuple):
    """An account as far as the session key and the printed credentials go."""

    display_name: str
    role_arn: str
    partition: str
    region: str | None
    external_id: str | None
    duration: int | None
    mfa_serial: str | None
    session_name: str | None


class FastConfig(NamedTuple):
    """The settings the fast path reads, and the accounts of trayapp's own config by exact name."""

    profile: str | None
    mfa_serial: str | None
    region: str
    session_cache: str
    accounts: dict[str, Target]

    def region_for(self, account: Target) -> str:
        """``Config.region_for``: the account's, else the primary's in the same partition, else the partition's."""
        if account.region:
            return account.region
        if ids.partition_of_region(self.region) == account.partition:
            return self.region
        return ids.PARTITION_DEFAULT_REGION.get(account.partition, self.region)


def read(data: bytes, path: str) -> FastConfig | None:
    """The config in ``data`` when the reference would accept it as it is; None when in any doubt."""
    if data.startswith(b"\xef\xbb\xbf"):
        return None  # the reference reports a byte-order mark
    try:
        raw = tomllib.loads(data.decode("utf-8"))
        if any("link" in table for table in _list(raw.get("account", [])) if isinstance(table, dict)):
            return _from_reference(data, path)
        return _read(raw)
    except (Doubt, ValueError, TypeError, AttributeError, KeyError):
        return None


def _read(raw: dict[str, Any]) -> FastConfig:
    _keys(raw, TOP_KEYS)
    primary, settings = _table(raw.get("primary", {})), _table(raw.get("settings", {}))
    _keys(primary, PRIMARY_KEYS)
    _keys(settings, SETTINGS_KEYS)
    _check(primary, "label", check.text(64))
    _check(primary, "account_id", check.account_id)
    profile = _check(primary, "profile", check.text(128))
    mfa_serial = _check(primary, "mfa_serial", check.mfa_serial)
    region = _check(primary, "region", check.region) or "us-east-1"
    _check(primary, "console", check.choice(CONSOLE_MODES))
    _check(settings, "clipboard_clear_seconds", check.seconds)
    _check(settings, "credential_format", check.choice(CREDENTIAL_FORMATS))
    _check(settings, "aws_config_profiles", check.boolean)
    session_cache = _check(settings, "session_cache", check.choice(SESSION_CACHES)) or "file"
    _check(settings, "browser", check.browser)
    accounts: dict[str, Target] = {}
    for table in _list(raw.get("account", [])):
        name, target = _account(_table(table), region)
        if name in accounts:
            raise Doubt("duplicate name")
        accounts[name] = target
    return FastConfig(profile, mfa_serial, region, session_cache, accounts)


def _account(table: dict[str, Any], primary_region: str) -> tuple[str, Target]:
    _keys(table, ACCOUNT_KEYS)
    if "role_arn" in table:
        if "account_id" in table or "role_name" in table:
            raise Doubt("role_arn with account_id or role_name")
        partition, account_id, role = check.role_arn(table["role_arn"])
    else:
        account_id = check.account_id(table["account_id"])  # KeyError: doubt
        role, partition = check.role_name(table["role_name"]), ""
    for key, rule in (
        ("color", check.color),
        ("group", check.text(64)),
        ("destination", check.destination),
        ("browser", check.browser),
    ):
        _check(table, key, rule)
    region = _check(table, "region", check.region)
    external_id = _check(table, "external_id", check.external_id)
    duration = _check(table, "duration", ids.parse_duration)
    mfa_serial = _check(table, "mfa_serial", check.mfa_serial)
    session_name = _check(table, "role_session_name", check.session_name)
    name = _check(table, "name", check.name)
    display_name = _check(table, "display_name", check.text(ids.DISPLAY_NAME_MAX)) or name
    display_name = display_name or f"{role.rsplit('/', 1)[-1]} @ {account_id}"
    partition = partition or ids.partition_of_region(region or primary_region)
    if region and ids.partition_of_region(region) != partition:
        raise Doubt("region outside the role's partition")
    arn = f"arn:{partition}:iam::{account_id}:role/{role}"
    target = Target(display_name, arn, partition, region, external_id, duration, mfa_serial, session_name)
    return name or ids.slug(display_name), target


def _from_reference(data: bytes, path: str) -> FastConfig:
    """Configs with switch-role links: the reference reads them (slower, still without boto3 or argparse)."""
    from pathlib import Path

    from trayapp.core.config import parse_config
    from trayapp.core.errors import ConfigError

    try:
        config = parse_config(data, Path(path))
    except ConfigError:
        raise Doubt("the reference found problems") from None
    primary = config.primary
    accounts = {
        a.name: Target(
            a.display_name,
            a.role_arn,
            a.partition,
            a.region,
            a.external_id,
            a.duration_seconds,
            a.mfa_serial,
            a.role_session_name,
        )
        for a in config.accounts
    }
    session_cache = config.settings.session_cache
    return FastConfig(primary.profile, primary.mfa_serial, primary.region, session_cache, accounts)


def _table(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Doubt("not a table")
    return value


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise Doubt("not a list")
    return value


def _keys(table: dict[str, Any], allowed: tuple[str, ...]) -> None:
    if not set(table) <= set(allowed):
        raise Doubt("a key the fast path does not know")


def _check(table: dict[str, Any], key: str, check: Callable[[Any], Any]) -> Any:
    return check(table[key]) if key in table else None
