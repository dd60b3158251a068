"""Credentials as text for shells, dotenv files, JSON and the AWS CLI's credential_process."""

from __future__ import annotations

import json
from collections.abc import Callable

from trayapp.core.model import CREDENTIAL_FORMATS, RoleCredentials


def variables(creds: RoleCredentials, region: str | None) -> list[tuple[str, str]]:
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


def render(creds: RoleCredentials, fmt: str, label: str, region: str | None) -> str:
    """Credentials in ``fmt``; shell lines start with a space so history with ignorespace skips them."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(CREDENTIAL_FORMATS)}")
    return RENDERERS[fmt](creds, label, region)


def _comment(prefix: str, creds: RoleCredentials, label: str) -> str:
    return f"{prefix} {label}: temporary credentials valid until {creds.expiration}\n"


def _sh(creds: RoleCredentials, label: str, region: str | None) -> str:
    lines = [f" export {k}={sh_quote(v)}\n" for k, v in variables(creds, region)]
    return _comment("#", creds, label) + "".join(lines)


def _fish(creds: RoleCredentials, label: str, region: str | None) -> str:
    lines = [f" set -gx {k} {fish_quote(v)};\n" for k, v in variables(creds, region)]
    return _comment("#", creds, label) + "".join(lines)


def _powershell(creds: RoleCredentials, label: str, region: str | None) -> str:
    lines = [f"$Env:{k} = {powershell_quote(v)}\n" for k, v in variables(creds, region)]
    return _comment("#", creds, label) + "".join(lines)


def _cmd(creds: RoleCredentials, label: str, region: str | None) -> str:
    lines = [f'set "{k}={cmd_value(v)}"\n' for k, v in variables(creds, region)]
    return _comment("REM", creds, label) + "".join(lines)


def _dotenv(creds: RoleCredentials, label: str, region: str | None) -> str:
    lines = [f"{k}={dotenv_quote(v)}\n" for k, v in variables(creds, region)]
    return _comment("#", creds, label) + "".join(lines)


def _json(creds: RoleCredentials, label: str, region: str | None) -> str:
    data = {
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "SessionToken": creds.session_token,
        "Expiration": creds.expiration,
    }
    if region:
        data["Region"] = region
    return json.dumps(data, indent=2) + "\n"


def _credential_process(creds: RoleCredentials, label: str, region: str | None) -> str:
    data = {
        "Version": 1,
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "SessionToken": creds.session_token,
        "Expiration": creds.expiration,
    }
    return json.dumps(data) + "\n"


RENDERERS: dict[str, Callable[[RoleCredentials, str, str | None], str]] = {
    "sh": _sh,
    "fish": _fish,
    "powershell": _powershell,
    "cmd": _cmd,
    "dotenv": _dotenv,
    "json": _json,
    "credential-process": _credential_process,
}
