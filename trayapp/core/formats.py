"""Credentials as text for shells, dotenv files, JSON and the AWS CLI's credential_process."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Protocol

from trayapp.core.display import safe_text
from trayapp.core.errors import TrayappError


class Credentials(Protocol):
    """What is printed: ``RoleCredentials``, or the fast path's plain tuple (no model import there)."""

    @property
    def access_key_id(self) -> str: ...
    @property
    def secret_access_key(self) -> str: ...
    @property
    def session_token(self) -> str: ...
    @property
    def expiration(self) -> str: ...


def variables(creds: Credentials, region: str | None) -> list[tuple[str, str]]:
    """The environment the AWS CLI and SDKs read, in a stable order."""
    pairs = [
        ("AWS_ACCESS_KEY_ID", creds.access_key_id),
        ("AWS_SECRET_ACCESS_KEY", creds.secret_access_key),
        ("AWS_SESSION_TOKEN", creds.session_token),
        ("AWS_CREDENTIAL_EXPIRATION", creds.expiration),
    ]
    if region:
        pairs += [("AWS_REGION", region), ("AWS_DEFAULT_REGION", region)]
    return pairs


class UnsafeValue(TrayappError):
    """A value the chosen format cannot carry so that its consumer reads it back unchanged."""


def refuse(name: str, fmt: str, what: str) -> UnsafeValue:
    """One sentence naming the variable and the character, never the (secret) value."""
    return UnsafeValue(f"{name} holds {what}, which the {fmt} format cannot carry safely; use --format json")


def sh_quote(value: str) -> str:
    """POSIX single quotes (bash, dash, zsh): every byte but NUL is literal inside them."""
    return "'" + value.replace("'", "'\\''") + "'"


def fish_quote(value: str) -> str:
    """fish single quotes: only backslash and the quote are escapes."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


PS_QUOTES = "'\u2018\u2019\u201a\u201b"  # PowerShell takes the typographic single quotes as quotes too


def powershell_quote(value: str) -> str:
    """PowerShell single quotes: each quote character is doubled, nothing else is special."""
    return "'" + "".join(c + c if c in PS_QUOTES else c for c in value) + "'"


def dotenv_quote(value: str) -> str:
    """python-dotenv double quotes: backslash, quote, CR and LF escaped (``${`` is refused before)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\n", "\\n")
    return '"' + escaped + '"'


def cmd_value(value: str) -> str:
    """Inside ``set "NAME=value"`` nothing is special once %, !, quotes and controls are refused."""
    return value


# Characters each format refuses, with how the sentence names them. NUL ends every C string.
REFUSED: dict[str, list[tuple[re.Pattern[str], str]]] = {
    "sh": [],
    "fish": [],
    "powershell": [],
    "dotenv": [(re.compile(r"\$\{"), "'${' (python-dotenv would expand it)")],
    "cmd": [
        (re.compile(r'"'), "a double quote"),
        (re.compile(r"%"), "a percent sign"),
        (re.compile(r"!"), "an exclamation mark (delayed expansion)"),
        (re.compile(r"[\x01-\x1f\x7f]"), "a line break or control character"),
    ],
}


def check_value(name: str, value: str, fmt: str) -> str:
    """``value`` unchanged, or UnsafeValue when ``fmt``'s consumer could not read it back."""
    if "\x00" in value:
        raise refuse(name, fmt, "a NUL character")
    for pattern, what in REFUSED.get(fmt, []):
        if pattern.search(value):
            raise refuse(name, fmt, what)
    return value


def comment_label(label: str, fmt: str) -> str:
    """The label shown in the comment line: display-safe, and for cmd free of its metacharacters."""
    text = safe_text(label)
    return re.sub(r'[\^&|<>%!"]', "_", text) if fmt == "cmd" else text


# format -> (comment marker, line template, quoting); shell lines start with a space so that
# history with ignorespace skips them.
ASSIGNMENTS: dict[str, tuple[str, str, Callable[[str], str]]] = {
    "sh": ("#", " export {name}={value}", sh_quote),
    "fish": ("#", " set -gx {name} {value};", fish_quote),
    "powershell": ("#", "$Env:{name} = {value}", powershell_quote),
    "cmd": ("REM", 'set "{name}={value}"', cmd_value),
    "dotenv": ("#", "{name}={value}", dotenv_quote),
}


def render(creds: Credentials, fmt: str, label: str, region: str | None) -> str:
    """Credentials in ``fmt``: variable assignments for a shell or file, or JSON."""
    if fmt in ASSIGNMENTS:
        marker, template, quote = ASSIGNMENTS[fmt]
        pairs = [(k, check_value(k, v, fmt)) for k, v in variables(creds, region)]
        until = comment_label(creds.expiration, fmt)
        lines = [f"{marker} {comment_label(label, fmt)}: temporary credentials valid until {until}"]
        lines += [template.format(name=k, value=quote(v)) for k, v in pairs]
        return "\n".join(lines) + "\n"
    data: dict[str, object] = {
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "SessionToken": creds.session_token,
        "Expiration": creds.expiration,
    }
    if fmt == "credential-process":
        return json.dumps({"Version": 1, **data}) + "\n"
    if fmt == "json":
        if region:
            data["Region"] = region
        return json.dumps(data, indent=2) + "\n"
    from trayapp.core.model import CREDENTIAL_FORMATS

    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(CREDENTIAL_FORMATS)}")
