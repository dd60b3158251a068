"""Credentials as text for shells, dotenv files, JSON and the AWS CLI's credential_process."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Protocol


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


def sh_quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def fish_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def powershell_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def dotenv_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


def cmd_value(value: str) -> str:
    # Inside set "NAME=value" only % and " are special; AWS values never hold a quote.
    return value.replace("%", "%%").replace('"', "")


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
        lines = [f"{marker} {label}: temporary credentials valid until {creds.expiration}"]
        lines += [template.format(name=k, value=quote(v)) for k, v in variables(creds, region)]
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
