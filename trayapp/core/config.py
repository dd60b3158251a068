"""Load and validate config.toml, reporting every problem with its file, line and key."""

from __future__ import annotations

import difflib
import re
import shlex
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from trayapp.core import identifiers as ids
from trayapp.core.display import UNSAFE
from trayapp.core.errors import ConfigError, Problem
from trayapp.core.files import read_regular
from trayapp.core.model import (
    BACK_MODES,
    CONSOLE_MODES,
    CREDENTIAL_FORMATS,
    SESSION_CACHES,
    Account,
    Config,
    Primary,
    Settings,
)

DISPLAY_NAME_MAX = 64
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
SERVICE = re.compile(r"[a-z0-9][a-z0-9-]*")
CONTROL = UNSAFE  # controls (C0, C1), line separators and bidi overrides: see core/display.py
SIGNIN_HOSTS = {
    "signin.aws.amazon.com": "aws",
    "signin.amazonaws-us-gov.com": "aws-us-gov",
    "signin.amazonaws.cn": "aws-cn",
}

PRIMARY_KEYS = ("label", "account_id", "profile", "mfa_serial", "region", "console", "back")
SETTINGS_KEYS = (
    "clipboard_clear_seconds",
    "credential_format",
    "aws_config_profiles",
    "session_cache",
    "browser",
)
ACCOUNT_KEYS = (
    "name",
    "display_name",
    "account_id",
    "role_name",
    "role_arn",
    "link",
    "color",
    "region",
    "group",
    "external_id",
    "duration",
    "destination",
    "browser",
    "mfa_serial",
    "role_session_name",
    "sso_session",
)
TOP_KEYS = ("primary", "settings", "account")


CONFIG_TEMPLATE = """\
# trayapp accounts; every key is described in the README, under Configuration.
# Each [[account]] is a role in another AWS account that your primary IAM user may assume.
# Remove the "# " in front of a line to use it.

[primary]
# label = "george"                # shown in the menu; default: your IAM user name
# account_id = "111122223333"     # pre-fills the sign-in page after Back to primary
# profile = "personal"            # AWS CLI profile with your IAM user's keys
# mfa_serial = "arn:aws:iam::111122223333:mfa/george"
# region = "us-east-1"
# console = "switch-role"         # or "signed"
# back = "sign-in-page"           # or "federated": Back to primary without a password

# [settings]
# clipboard_clear_seconds = 45
# browser = "firefox -P work --new-window {url}"

# [[account]]
# display_name = "Side project"
# account_id = "444455556666"
# role_name = "admin"
# color = "#2e7d32"
# group = "Personal"              # accounts of one group share a submenu
# region = "eu-central-1"
# destination = "cloudwatch"      # a console service, or a path such as "/billing/home"
# browser = "chromium --profile-directory=Work {url}"

# [[account]]
# link = "https://signin.aws.amazon.com/switchrole?account=777788889999&roleName=ops/admin&displayName=Production"
# group = "Work"
# external_id = "acme-7f3a"       # roles that require one open with signed sign-in
"""


def create_config(path: Path) -> bool:
    """Write the commented starting config (0600, in a 0700 folder) unless the file exists; True if written."""
    from trayapp.core.files import atomic_write, ensure_private_dir

    if path.exists() or path.is_symlink():
        return False
    ensure_private_dir(path.parent)
    atomic_write(path, CONFIG_TEMPLATE, mode=0o600, follow_symlink=True)
    return True


def default_config_path() -> Path:
    """``<user config dir>/trayapp/config.toml`` as platformdirs places it on this OS."""
    import platformdirs

    return Path(platformdirs.user_config_dir("trayapp", appauthor=False)) / "config.toml"


def config_path(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """``--config``, else ``$TRAYAPP_CONFIG``, else the platform default."""
    chosen = explicit or (environ or {}).get("TRAYAPP_CONFIG")  # None: no environment, as everywhere
    return Path(chosen).expanduser() if chosen else default_config_path()


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
    checker = _Checker(path, _KeyLines.scan(text), problems)
    config = checker.config(raw)
    if problems:
        raise ConfigError(sorted(problems, key=lambda p: p.line or 0))
    return config


class _KeyLines:
    """Line numbers of tables and keys, found by a light scan that tomllib does not offer."""

    HEADER = re.compile(r"\s*(\[\[?)\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(#.*)?$")
    KEY = re.compile(r"\s*(?:\"([^\"]+)\"|'([^']+)'|([A-Za-z0-9_-]+))\s*=")

    def __init__(self, lines: dict[tuple[object, ...], int]):
        self.lines = lines

    @classmethod
    def scan(cls, text: str) -> _KeyLines:
        lines: dict[tuple[object, ...], int] = {}
        counts: dict[str, int] = {}
        table: tuple[object, ...] = ()
        in_string: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_string:
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            header = cls.HEADER.match(line)
            if header:
                name = header.group(2).strip("\"'")
                if header.group(1) == "[[":
                    index = counts.get(name, 0)
                    counts[name] = index + 1
                    table = (name, index)
                else:
                    table = (name,)
                lines.setdefault(table, number)
                continue
            key = cls.KEY.match(line)
            if key:
                name = next(g for g in key.groups() if g)
                lines.setdefault((*table, name), number)
                for quote in ('"""', "'''"):
                    if line.count(quote) % 2 == 1:
                        in_string = quote
        return cls(lines)

    def line(self, *where: object) -> int | None:
        """The line of the most precise known place: the key, else its table."""
        for end in range(len(where), 0, -1):
            if where[:end] in self.lines:
                return self.lines[where[:end]]
        return None


@dataclass
class _Checker:
    """Walks the parsed TOML, turns it into the model and collects every problem on the way."""

    path: Path
    lines: _KeyLines
    problems: list[Problem]

    def problem(self, where: tuple[object, ...], key: str, message: str) -> None:
        self.problems.append(Problem(self.path, self.lines.line(*where), key, message))

    def config(self, raw: dict[str, Any]) -> Config:
        self.unknown_keys(raw, TOP_KEYS, (), "")
        primary = self.primary(self.table(raw, "primary"))
        settings = self.settings(self.table(raw, "settings"))
        accounts = self.accounts(raw.get("account", []), primary)
        return Config(path=self.path, exists=True, primary=primary, settings=settings, accounts=accounts)

    def table(self, raw: dict[str, Any], name: str) -> dict[str, Any]:
        value = raw.get(name, {})
        if isinstance(value, dict):
            return value
        self.problem((name,), name, f"must be a table ([{name}]), got {_kind(value)}")
        return {}

    def unknown_keys(
        self, table: dict[str, Any], allowed: tuple[str, ...], where: tuple[object, ...], label: str
    ) -> None:
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(allowed)}"
                self.problem((*where, key), f"{label}{key}", f"unknown key{hint}")

    def get(
        self,
        table: dict[str, Any],
        where: tuple[object, ...],
        label: str,
        key: str,
        check: Callable[[Any], Any],
    ) -> Any:
        """Run ``check`` on the key's value; a ValueError becomes a located problem."""
        if key not in table:
            return None
        try:
            return check(table[key])
        except ValueError as exc:
            self.problem((*where, key), f"{label}{key}", str(exc))
            return None

    def primary(self, raw: dict[str, Any]) -> Primary:
        where, label = ("primary",), "primary."
        self.unknown_keys(raw, PRIMARY_KEYS, where, label)
        values = {
            "label": self.get(raw, where, label, "label", _text(64)),
            "account_id": self.get(raw, where, label, "account_id", _account_id),
            "profile": self.get(raw, where, label, "profile", _text(128)),
            "mfa_serial": self.get(raw, where, label, "mfa_serial", _mfa_serial),
            "region": self.get(raw, where, label, "region", _region),
            "console": self.get(raw, where, label, "console", _choice(CONSOLE_MODES)),
            "back": self.get(raw, where, label, "back", _choice(BACK_MODES)),
        }
        return Primary(**{k: v for k, v in values.items() if v is not None})

    def settings(self, raw: dict[str, Any]) -> Settings:
        where, label = ("settings",), "settings."
        self.unknown_keys(raw, SETTINGS_KEYS, where, label)
        values = {
            "clipboard_clear_seconds": self.get(raw, where, label, "clipboard_clear_seconds", _seconds),
            "credential_format": self.get(
                raw, where, label, "credential_format", _choice(CREDENTIAL_FORMATS)
            ),
            "aws_config_profiles": self.get(raw, where, label, "aws_config_profiles", _bool),
            "session_cache": self.get(raw, where, label, "session_cache", _choice(SESSION_CACHES)),
            "browser": self.get(raw, where, label, "browser", _browser),
        }
        return Settings(**{k: v for k, v in values.items() if v is not None})

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
                    f"account[{index + 1}].name",
                    f"duplicate name {name!r}, already used by an account above{at}; names must be unique",
                )
                continue
            if isinstance(name, str):
                first_line[name] = self.lines.line("account", index)
            if account:
                accounts.append(account)
        return tuple(accounts)

    def account(self, raw: dict[str, Any], index: int, primary: Primary) -> Account | None:
        where, label = ("account", index), f"account[{index + 1}]."
        before = len(self.problems)
        self.unknown_keys(raw, ACCOUNT_KEYS, where, label)

        def get(key: str, check: Callable[[Any], Any]) -> Any:
            return self.get(raw, where, label, key, check)

        from_link = get("link", parse_switch_role_link) or {}
        from_arn = get("role_arn", _role_arn) or {}
        account_id = get("account_id", _account_id)
        role_name = get("role_name", _role_name)
        if from_link and ({"role_arn", "account_id", "role_name"} & raw.keys()):
            self.problem(
                (*where, "link"),
                f"{label}link",
                "a link already names the account and role; drop account_id, role_name and role_arn",
            )
        if from_arn and ({"account_id", "role_name"} & raw.keys()):
            self.problem(
                (*where, "role_arn"),
                f"{label}role_arn",
                "give role_arn or account_id + role_name, never both",
            )
        source = (
            from_link or from_arn or {"account_id": account_id, "role_name": role_name, "partition": None}
        )
        if not ({"link", "role_arn"} & raw.keys()):
            missing = [k for k in ("account_id", "role_name") if k not in raw]
            if missing:
                self.problem(
                    where, label.rstrip("."), f"missing {' and '.join(missing)} (or give role_arn, or link)"
                )
        fields = {
            "color": get("color", _color) or from_link.get("color"),
            "region": get("region", _region),
            "group": get("group", _text(64)),
            "external_id": get("external_id", _external_id),
            "duration_seconds": get("duration", ids.parse_duration),
            "destination": get("destination", check_destination),
            "browser": get("browser", _browser),
            "mfa_serial": get("mfa_serial", _mfa_serial),
            "role_session_name": get("role_session_name", _session_name),
            "sso_session": get("sso_session", _text(64)),  # an IAM Identity Center account (import sso)
        }
        name = get("name", _name)
        display_name = get("display_name", _text(DISPLAY_NAME_MAX)) or from_link.get("display_name") or name
        if len(self.problems) > before or not source.get("account_id") or not source.get("role_name"):
            return None
        role = str(source["role_name"])
        display_name = display_name or f"{role.rsplit('/', 1)[-1]} @ {source['account_id']}"
        region = fields["region"]
        partition = source.get("partition") or ids.partition_of_region(region or primary.region)
        if region and ids.partition_of_region(region) != partition:
            self.problem(
                (*where, "region"),
                f"{label}region",
                f"region {region} is not in the role's partition {partition}",
            )
            return None
        return Account(
            name=name or ids.slug(display_name),
            display_name=display_name,
            account_id=str(source["account_id"]),
            role_name=role,
            partition=partition,
            line=self.lines.line(*where),
            source="aws-sso" if fields["sso_session"] else "config",
            **fields,
        )


def _kind(value: object) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string in quotes, got {_kind(value)}")
    return value


def _text(limit: int) -> Callable[[object], str]:
    def check(value: object) -> str:
        text = _string(value)
        if not text.strip():
            raise ValueError("must not be empty")
        if CONTROL.search(text):
            raise ValueError(
                "must not contain control or bidirectional-override characters (nor line separators)"
            )
        if len(text) > limit:
            raise ValueError(f"at most {limit} characters, got {len(text)}")
        return text

    return check


def _choice(options: tuple[str, ...]) -> Callable[[object], str]:
    def check(value: object) -> str:
        if _string(value) not in options:
            raise ValueError(f"must be one of {', '.join(repr(o) for o in options)}, got {value!r}")
        return str(value)

    return check


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {_kind(value)}")
    return value


def _seconds(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 86400:
        raise ValueError("must be a whole number of seconds from 0 (never) to 86400")
    return value


def _account_id(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(
            f'must be a string of 12 digits in quotes (leading zeros are real), e.g. "{value:012d}"'
        )
    text = _string(value).strip().replace("-", "")
    if not ids.ACCOUNT_ID.fullmatch(text):
        raise ValueError(f"must be exactly 12 digits, got {value!r} ({len(text)} characters)")
    return text


def _role_name(value: object) -> str:
    text = _string(value).strip().strip("/")
    problem = ids.role_name_problem(text)
    if problem:
        raise ValueError(f"{problem}, got {value!r}")
    return text


def _role_arn(value: object) -> dict[str, str]:
    text = _string(value).strip()
    m = ids.ROLE_ARN.fullmatch(text)
    if not m:
        raise ValueError(f"must look like arn:aws:iam::123456789012:role/NAME, got {value!r}")
    role = _role_name(m.group(3))
    return {"partition": m.group(1), "account_id": m.group(2), "role_name": role}


def parse_switch_role_link(value: object) -> dict[str, str]:
    """Account, role, label and colour from a console switch-role link."""
    text = _string(value).strip()
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    base = re.sub(r"^[a-z]{2}(-[a-z]+)+-[0-9]\.", "", host)
    if parts.scheme != "https" or base not in SIGNIN_HOSTS or parts.path.rstrip("/") != "/switchrole":
        raise ValueError(
            "expected a link such as https://signin.aws.amazon.com/switchrole?account=...&roleName=..."
        )
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    if "account" not in query or "roleName" not in query:
        raise ValueError("the link lacks account= or roleName=")
    found = {
        "partition": SIGNIN_HOSTS[base],
        "account_id": _account_id(query["account"]),
        "role_name": _role_name(query["roleName"]),
    }
    if "displayName" in query:
        found["display_name"] = _text(DISPLAY_NAME_MAX)(query["displayName"])
    if "color" in query:
        found["color"] = _color(query["color"])
    return found


def _name(value: object) -> str:
    text = _string(value)
    if not NAME.fullmatch(text):
        raise ValueError(
            f"must be 1 to 64 of letters, digits, '.', '_' and '-', starting with a letter or digit, got {value!r}"
        )
    return text


def _color(value: object) -> str:
    return ids.normalize_color(_string(value))


def _matching(pattern: re.Pattern[str], rule: str, echo: bool = True) -> Callable[[object], str]:
    """A check that the value is a string matching ``pattern``; the error says the rule."""

    def check(value: object) -> str:
        text = _string(value)
        if not pattern.fullmatch(text):
            raise ValueError(f"must be {rule}" + (f", got {value!r}" if echo else ""))
        return text

    return check


_region = _matching(ids.REGION, 'an AWS region such as "eu-west-1"')
_external_id = _matching(ids.EXTERNAL_ID, "2 to 1224 of letters, digits and + = , . @ : / _ -", echo=False)
_mfa_serial = _matching(ids.MFA_SERIAL, "an MFA device ARN such as arn:aws:iam::123456789012:mfa/NAME")
_session_name = _matching(
    ids.SESSION_NAME, "2 to 64 of letters, digits and + = , . @ _ - (no '/')", echo=False
)


def check_destination(value: object) -> str:
    text = _string(value).strip()
    if SERVICE.fullmatch(text) or (
        text.startswith("/") and not text.startswith("//") and not re.search(r"\s", text)
    ):
        return text
    raise ValueError(
        f'must be a console service such as "s3" or a path such as "/billing/home", got {value!r}'
    )


def _browser(value: object) -> str:
    text = _string(value)
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ValueError(f"is not a valid command line: {exc}") from None
    if not words:
        raise ValueError('must name a browser command, e.g. "firefox -P work --new-window {url}"')
    return text
