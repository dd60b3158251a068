"""Load and validate config.toml, reporting every problem with its file, line and key.

The parts live beside it: configfile (the starting file), schema (tables and keys), keylines (the
line of each key), configvalues (one check per kind of value), switchlink (console links).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from trayapp.core import configvalues as check
from trayapp.core import identifiers as ids
from trayapp.core.configfile import CONFIG_TEMPLATE as CONFIG_TEMPLATE
from trayapp.core.configfile import create_config as create_config
from trayapp.core.configfile import default_config_path as default_config_path
from trayapp.core.configvalues import CONTROL as CONTROL
from trayapp.core.configvalues import destination as check_destination
from trayapp.core.errors import ConfigError, Problem
from trayapp.core.files import read_regular
from trayapp.core.identifiers import DISPLAY_NAME_MAX as DISPLAY_NAME_MAX
from trayapp.core.identifiers import NAME as NAME
from trayapp.core.identifiers import SERVICE as SERVICE
from trayapp.core.keylines import KeyLines
from trayapp.core.model import Account, Config, Primary, Settings
from trayapp.core.places import config_path as config_path
from trayapp.core.schema import (
    ACCOUNT_KEYS,
    BACK_MODES,
    CONSOLE_MODES,
    CREDENTIAL_FORMATS,
    PRIMARY_KEYS,
    SESSION_CACHES,
    SETTINGS_KEYS,
    TOP_KEYS,
)
from trayapp.core.switchlink import SIGNIN_HOSTS as SIGNIN_HOSTS
from trayapp.core.switchlink import parse_switch_role_link

__all__ = [
    "ACCOUNT_KEYS",
    "CONFIG_TEMPLATE",
    "CONTROL",
    "DISPLAY_NAME_MAX",
    "NAME",
    "PRIMARY_KEYS",
    "SERVICE",
    "SETTINGS_KEYS",
    "SIGNIN_HOSTS",
    "TOP_KEYS",
    "check_destination",
    "config_path",
    "create_config",
    "default_config_path",
    "load_config",
    "parse_config",
    "parse_switch_role_link",
]


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate ``path`` (missing is fine: no accounts); raise ConfigError listing all."""
    try:
        data = read_regular(path)  # a FIFO or device as config is refused, not waited on
    except FileNotFoundError:
        config = Config(path=path, exists=False)
    except OSError as exc:
        raise ConfigError([Problem(path, None, "", f"cannot read the file: {exc.strerror}")]) from None
    else:
        config = parse_config(data, path)
    if config.settings.aws_config_profiles:
        from trayapp.core.awsconfig import aws_config_path, aws_credentials_path, role_profiles

        aws_path = aws_config_path(environ)
        extra, skipped = role_profiles(aws_path, aws_credentials_path(environ))
        taken = {a.name for a in config.accounts}
        merged = config.accounts + tuple(a for a in extra if a.name not in taken)
        config = replace(config, accounts=merged, warnings=tuple(skipped))
    return config


def parse_config(data: bytes, path: Path) -> Config:
    """Validate the bytes of a config file; raise ConfigError with every problem found."""
    problems: list[Problem] = []
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append(
            Problem(path, 1, "", "the file starts with a byte-order mark (BOM); save it as UTF-8 without BOM")
        )
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = data[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                path, bad_line, "", f"invalid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
            )
        )
        raise ConfigError(problems) from None
    try:
        raw = tomllib.loads(text)
    except RecursionError:
        problems.append(
            Problem(path, None, "", "values are nested too deeply; keep tables and lists shallow")
        )
        raise ConfigError(problems) from None
    except ValueError as exc:
        if not isinstance(exc, tomllib.TOMLDecodeError):  # e.g. an integer of thousands of digits
            problems.append(
                Problem(path, None, "", "a number is far too long; numbers have at most 20 digits")
            )
            raise ConfigError(problems) from None
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(match.group(1)) if match else None
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "not valid TOML"
        problems.append(Problem(path, line, "", f"TOML syntax error: {reason}"))
        raise ConfigError(problems) from None
    checker = _Checker(path, KeyLines(text), problems)
    config = checker.config(raw)
    if problems:
        raise ConfigError(sorted(problems, key=lambda p: p.line or 0))
    return config


Check = Callable[[Any], Any]
PRIMARY_CHECKS: dict[str, Check] = {
    "label": check.text(64),
    "account_id": check.account_id,
    "profile": check.text(128),
    "mfa_serial": check.mfa_serial,
    "region": check.region,
    "console": check.choice(CONSOLE_MODES),
    "back": check.choice(BACK_MODES),
}
SETTINGS_CHECKS: dict[str, Check] = {
    "clipboard_clear_seconds": check.seconds,
    "credential_format": check.choice(CREDENTIAL_FORMATS),
    "aws_config_profiles": check.boolean,
    "session_cache": check.choice(SESSION_CACHES),
    "browser": check.browser,
}
ACCOUNT_CHECKS: dict[str, Check] = {
    "name": check.name,
    "display_name": check.text(DISPLAY_NAME_MAX),
    "account_id": check.account_id,
    "role_name": check.role_name,
    "role_arn": check.role_arn,
    "link": parse_switch_role_link,
    "color": check.color,
    "region": check.region,
    "group": check.text(64),
    "external_id": check.external_id,
    "duration": ids.parse_duration,
    "destination": check.destination,
    "browser": check.browser,
    "mfa_serial": check.mfa_serial,
    "role_session_name": check.session_name,
    "sso_session": check.text(64),  # an IAM Identity Center account (import sso)
}
FIELDS = (  # Account fields named as their config keys
    *("color", "region", "group", "external_id", "destination", "browser", "mfa_serial"),
    *("role_session_name", "sso_session"),
)


@dataclass
class _Checker:
    """Walks the parsed TOML, turns it into the model and collects every problem on the way."""

    path: Path
    lines: KeyLines
    problems: list[Problem]

    def problem(self, where: tuple[object, ...], label: str, message: str, key: str = "") -> None:
        """A problem at ``where``, shown as ``label.key`` (or ``label`` alone)."""
        shown = f"{label}.{key}" if label and key else label or key
        self.problems.append(Problem(self.path, self.lines.line(*where), shown, message, key))

    def config(self, raw: dict[str, Any]) -> Config:
        self.unknown_keys(raw, TOP_KEYS, (), "")
        primary = Primary(**self.values(self.table(raw, "primary"), PRIMARY_CHECKS, ("primary",), "primary"))
        settings = Settings(
            **self.values(self.table(raw, "settings"), SETTINGS_CHECKS, ("settings",), "settings")
        )
        accounts = self.accounts(raw.get("account", []), primary)
        return Config(path=self.path, exists=True, primary=primary, settings=settings, accounts=accounts)

    def table(self, raw: dict[str, Any], name: str) -> dict[str, Any]:
        value = raw.get(name, {})
        if isinstance(value, dict):
            return value
        self.problem((name,), name, f"must be a table ([{name}]), got {check.kind(value)}")
        return {}

    def unknown_keys(
        self,
        table: dict[str, Any],
        allowed: tuple[str, ...] | dict[str, Check],
        where: tuple[object, ...],
        label: str,
    ) -> None:
        for key in table:
            if key not in allowed:
                known = tuple(allowed)
                import difflib  # only for a mistake

                close = difflib.get_close_matches(key, known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(known)}"
                self.problem((*where, key), label, f"unknown key{hint}", key)

    def values(
        self,
        table: dict[str, Any],
        checks: dict[str, Check],
        where: tuple[object, ...],
        label: str | Callable[[dict[str, Any]], str],
    ) -> dict[str, Any]:
        """Each known key's checked value; an unknown key or a ValueError becomes a located problem.

        ``label`` may be a function of the checked values: it runs only when there is a problem.
        """
        found: dict[str, Any] = {}
        errors: list[tuple[str, str | None]] = []
        for key, value in table.items():
            rule = checks.get(key)
            if rule is None:
                errors.append((key, None))
                continue
            try:
                found[key] = rule(value)
            except ValueError as exc:
                errors.append((key, str(exc)))
        if errors:
            shown = label(found) if callable(label) else label
            for key, message in errors:
                if message is None:
                    self.unknown_keys({key: None}, checks, where, shown)
                else:
                    self.problem((*where, key), shown, message, key)
        return found

    def accounts(self, raw: object, primary: Primary) -> tuple[Account, ...]:
        if not isinstance(raw, list) or not all(isinstance(a, dict) for a in raw):
            self.problem(("account",), "account", "must be a list of [[account]] tables")
            return ()
        accounts: list[Account] = []
        first_line: dict[str, int | None] = {}
        for index, table in enumerate(raw):
            account = self.account(table, index, primary)
            name = account.name if account else table.get("name")
            if isinstance(name, str) and name in first_line:
                seen = first_line[name]
                at = f" (line {seen})" if seen else ""
                self.problem(
                    ("account", index, "name"),
                    f"account[{index + 1}]",  # the name is no help here: two accounts have it
                    f"duplicate name {name!r}, already used by an account above{at}; names must be unique",
                    "name",
                )
                continue
            if isinstance(name, str):
                first_line[name] = account.line if account else self.lines.line("account", index)
            if account:
                accounts.append(account)
        return tuple(accounts)

    def account(self, raw: dict[str, Any], index: int, primary: Primary) -> Account | None:
        where, before = ("account", index), len(self.problems)
        values = self.values(raw, ACCOUNT_CHECKS, where, lambda found: account_label(found, index))
        label = account_label(values, index)
        from_link: dict[str, str] = values.get("link") or {}
        arn: ids.RoleArn | None = values.get("role_arn")
        if "link" in values and ({"role_arn", "account_id", "role_name"} & raw.keys()):
            self.problem(
                (*where, "link"),
                label,
                "a link already names the account and role; drop account_id, role_name and role_arn",
                "link",
            )
        if arn and ({"account_id", "role_name"} & raw.keys()):
            self.problem(
                (*where, "role_arn"), label, "give role_arn or account_id + role_name, never both", "role_arn"
            )
        if not ({"link", "role_arn"} & raw.keys()):
            missing = [k for k in ("account_id", "role_name") if k not in raw]
            if missing:
                self.problem(where, label, f"missing {' and '.join(missing)} (or give role_arn, or link)")
        if len(self.problems) > before:
            return None
        if from_link:
            partition, account_id, role = (
                from_link["partition"],
                from_link["account_id"],
                from_link["role_name"],
            )
        elif arn:
            partition, account_id, role = arn
        else:
            partition, account_id, role = "", values["account_id"], values["role_name"]
        name = values.get("name")
        display_name = values.get("display_name") or from_link.get("display_name") or name
        display_name = display_name or f"{role.rsplit('/', 1)[-1]} @ {account_id}"
        region = values.get("region")
        partition = partition or ids.partition_of_region(region or primary.region)
        if region and ids.partition_of_region(region) != partition:
            self.problem(
                (*where, "region"),
                label,
                f"region {region} is not in the role's partition {partition}",
                "region",
            )
            return None
        fields = {key: values[key] for key in FIELDS if key in values}
        if "color" not in fields and "color" in from_link:
            fields["color"] = from_link["color"]
        return Account(
            name=name or ids.slug(display_name),
            display_name=display_name,
            account_id=account_id,
            role_name=role,
            partition=partition,
            duration_seconds=values.get("duration"),
            line=self.lines.line(*where),
            source="aws-sso" if "sso_session" in values else "config",
            **fields,
        )


def account_label(values: dict[str, Any], index: int) -> str:
    """How problems name an account: by its name, else its display name, else its place ("account[3]")."""
    known = values.get("name") or values.get("display_name")
    return f"account {known!r}" if known else f"account[{index + 1}]"
