"""What the cache-hit fast path needs from config.toml, read with tomllib alone.

``trayapp.core.config`` is the reference: it builds the model and reports every problem, at the
price of dataclasses, difflib and urllib. This reader accepts only a config that the reference
would load without a single problem; for anything it cannot vouch for it returns None and the
full command line reads the file. Its rules are the reference's, written without the model;
tests/unit/test_fastpath.py checks it against the reference, config by config.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from typing import Any, NamedTuple

from trayapp.core import identifiers as ids
from trayapp.core.display import UNSAFE

# The same constants as trayapp.core.config / trayapp.core.model (a test keeps them equal).
CREDENTIAL_FORMATS = ("sh", "fish", "powershell", "cmd", "dotenv", "json", "credential-process")
CONSOLE_MODES = ("switch-role", "signed")
SESSION_CACHES = ("file", "keyring", "memory")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
SERVICE = re.compile(r"[a-z0-9][a-z0-9-]*")
CONTROL = UNSAFE  # config.CONTROL
TOP_KEYS = ("primary", "settings", "account")
PRIMARY_KEYS = ("label", "account_id", "profile", "mfa_serial", "region", "console")
SETTINGS_KEYS = (
    "clipboard_clear_seconds",
    "credential_format",
    "aws_config_profiles",
    "session_cache",
    "browser",
)
ACCOUNT_KEYS = (
    *("name", "display_name", "account_id", "role_name", "role_arn", "color", "region", "group"),
    *("external_id", "duration", "destination", "browser", "mfa_serial", "role_session_name"),
)  # no "link": a config with switch-role links is read by the reference itself


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
    _check(primary, "label", _text(64))
    _check(primary, "account_id", _account_id)
    profile = _check(primary, "profile", _text(128))
    mfa_serial = _check(primary, "mfa_serial", _matching(ids.MFA_SERIAL))
    region = _check(primary, "region", _matching(ids.REGION)) or "us-east-1"
    _check(primary, "console", _choice(CONSOLE_MODES))
    seconds = settings.get("clipboard_clear_seconds", 0)
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= 86400:
        raise Doubt("clipboard_clear_seconds")
    _check(settings, "credential_format", _choice(CREDENTIAL_FORMATS))
    if not isinstance(settings.get("aws_config_profiles", True), bool):
        raise Doubt("aws_config_profiles")
    session_cache = _check(settings, "session_cache", _choice(SESSION_CACHES)) or "file"
    _check(settings, "browser", _browser)
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
        text = _string(table["role_arn"]).strip()
        m = ids.ROLE_ARN.fullmatch(text)
        if not m:
            raise Doubt("role_arn")
        partition: str | None = m.group(1)
        account_id, role = m.group(2), _role_name(m.group(3))
    else:
        account_id, role = _account_id(table["account_id"]), _role_name(table["role_name"])  # KeyError: doubt
        partition = None
    for key, check in (
        ("color", _color),
        ("group", _text(64)),
        ("destination", _destination),
        ("browser", _browser),
    ):
        _check(table, key, check)
    region = _check(table, "region", _matching(ids.REGION))
    external_id = _check(table, "external_id", _matching(ids.EXTERNAL_ID))
    duration = _check(table, "duration", ids.parse_duration)
    mfa_serial = _check(table, "mfa_serial", _matching(ids.MFA_SERIAL))
    session_name = _check(table, "role_session_name", _matching(ids.SESSION_NAME))
    name = _check(table, "name", _matching(NAME))
    display_name = _check(table, "display_name", _text(64)) or name
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


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise Doubt("not a string")
    return value


def _text(limit: int) -> Callable[[object], str]:
    def check(value: object) -> str:
        text = _string(value)
        if not text.strip() or CONTROL.search(text) or len(text) > limit:
            raise Doubt("text")
        return text

    return check


def _choice(options: tuple[str, ...]) -> Callable[[object], str]:
    def check(value: object) -> str:
        if _string(value) not in options:
            raise Doubt("choice")
        return str(value)

    return check


def _matching(pattern: re.Pattern[str]) -> Callable[[object], str]:
    def check(value: object) -> str:
        text = _string(value)
        if not pattern.fullmatch(text):
            raise Doubt(pattern.pattern)
        return text

    return check


def _account_id(value: object) -> str:
    text = _string(value).strip().replace("-", "")
    if not ids.ACCOUNT_ID.fullmatch(text):
        raise Doubt("account_id")
    return text


def _role_name(value: object) -> str:
    text = _string(value).strip().strip("/")
    if ids.role_name_problem(text):
        raise Doubt("role_name")
    return text


def _color(value: object) -> str:
    return ids.normalize_color(_string(value))


def _destination(value: object) -> str:
    text = _string(value).strip()
    if SERVICE.fullmatch(text) or (
        text.startswith("/") and not text.startswith("//") and not re.search(r"\s", text)
    ):
        return text
    raise Doubt("destination")


def _browser(value: object) -> str:
    import shlex

    if not shlex.split(_string(value)):  # a ValueError from shlex is doubt too
        raise Doubt("browser")
    return str(value)
