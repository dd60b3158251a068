"""The cache-hit fast path of ``trayapp creds``: answer from the session cache before the full CLI loads.

``credential_process`` runs ``trayapp creds NAME --format credential-process`` for every AWS CLI or
SDK call, so its start-up is the user's wait. This module runs first from the entry point and
imports only tomllib, json, hashlib and datetime with trayapp's small rule modules: never boto3,
botocore, argparse, logging, platformdirs or the config model. It answers only when it is sure the
full command line would print the very same bytes and exit 0. Anything else (another command or
option, a config it doubts, an account that is not in trayapp's own config, the keyring or memory
cache, a missing, foreign or stale session) returns None and the full command line runs instead,
so every error and every write (setting a bad cache file aside, AssumeRole) stays where it was.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from trayapp.core import fastconfig
from trayapp.core.formats import render
from trayapp.core.sessionkey import primary_source, role_request, session_key

APP = "trayapp"
REFRESH_MARGIN = timedelta(minutes=15)  # trayapp.core.cache.REFRESH_MARGIN (a test keeps them equal)
CACHE_VERSION = 1  # trayapp.core.cache.FORMAT_VERSION
CREDENTIAL_KEYS = {"access_key_id", "secret_access_key", "session_token", "expiration"}


class Request(NamedTuple):
    """``trayapp [--config PATH] creds NAME [--format F] [--config PATH]``, the only command answered here."""

    name: str
    fmt: str
    config: str | None


def answer(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> int | None:
    """Print the credentials and return 0 on a sure cache hit; None means: run the full command line."""
    env = os.environ if environ is None else environ
    request = parse_argv(argv)
    if request is None:
        return None
    try:
        text = credentials_text(request, env)
    except Exception:  # any doubt at all: the full command line decides, and explains
        return None
    if text is None:
        return None
    sys.stdout.write(text)
    return 0


def parse_argv(argv: Sequence[str]) -> Request | None:
    """The request, when ``argv`` is exactly the creds command with options argparse reads the same way."""
    options: dict[str, str] = {}
    names: list[str] = []
    command_seen = False
    args = list(argv)
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        if not command_seen:
            if word == "creds":
                command_seen = True
                continue
            allowed: tuple[str, ...] = ("--config",)
        else:
            allowed = ("--config", "--format", "-f")
        if not word.startswith("-"):
            if not command_seen:
                return None
            names.append(word)
            continue
        key, equals, value = word.partition("=")
        if key.startswith("-f") and not key.startswith("--") and len(word) > 2:
            key, equals, value = "-f", "=", word[2:]  # -fjson; "-f=json" gives "=json", not a format
        if key not in allowed:
            return None
        key = "--format" if key == "-f" else key
        if key in options:
            return None  # given twice: argparse keeps the last, this path keeps out of it
        if not equals:
            if index >= len(args):
                return None
            value = args[index]
            index += 1
        if not value or value.startswith("-"):
            return None
        options[key] = value
    fmt = options.get("--format", "sh")
    if not command_seen or len(names) != 1 or fmt not in fastconfig.CREDENTIAL_FORMATS:
        return None
    return Request(names[0], fmt, options.get("--config"))


def credentials_text(request: Request, env: Mapping[str, str]) -> str | None:
    """The text ``trayapp creds`` prints for a fresh cached session, or None when unsure."""
    path = config_file(request.config, env)
    if path is None:
        return None
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None  # missing (accounts could only come from ~/.aws/config) or unreadable: not ours to say
    config = fastconfig.read(data, path)
    if config is None or config.session_cache != "file":
        return None
    account = config.accounts.get(request.name)
    if account is None:
        return None  # not an exact name of trayapp's config: matching may involve ~/.aws/config
    # sessionkey.config_account_request, for accounts of trayapp's config (they never chain)
    request_shape = role_request(
        account.role_arn,
        account.external_id,
        account.mfa_serial or config.mfa_serial,
        account.duration,
        account.session_name,
    )
    key = session_key(primary_source(config.profile, env), request_shape)
    folder = user_dir("XDG_CACHE_HOME", ".cache", env)
    if folder is None:
        return None
    credentials = cached_credentials(os.path.join(folder, "sessions", f"{key}.json"), key)
    if credentials is None:
        return None
    return render(credentials, request.fmt, account.display_name, config.region_for(account))


class Credentials(NamedTuple):
    """The four strings of a cached role session (the shape ``formats.render`` reads)."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: str


def cached_credentials(path: str, key: str, now: datetime | None = None) -> Credentials | None:
    """Credentials from a private, well-formed, fresh cache file of ``key``; None for anything else."""
    try:
        info = os.stat(path)
        if info.st_uid != os.getuid() or info.st_mode & 0o077:
            return None
        with open(path, encoding="utf-8") as handle:
            import json

            data: Any = json.loads(handle.read())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION or data.get("key") != key:
        return None
    found = data.get("credentials")
    if "account" not in data or "role_arn" not in data or not isinstance(found, dict):
        return None
    if set(found) != CREDENTIAL_KEYS or not all(isinstance(v, str) for v in found.values()):
        return None
    expires = datetime.fromisoformat(found["expiration"].replace("Z", "+00:00"))
    if expires.tzinfo is None or expires.astimezone(UTC) - (now or datetime.now(UTC)) <= REFRESH_MARGIN:
        return None
    return Credentials(**found)


def config_file(explicit: str | None, env: Mapping[str, str]) -> str | None:
    """``--config``, else ``$TRAYAPP_CONFIG``, else the XDG config folder's ``trayapp/config.toml``."""
    chosen = explicit or env.get("TRAYAPP_CONFIG")
    if chosen:
        path = os.path.expanduser(chosen)
        return None if path.startswith("~") else path
    folder = user_dir("XDG_CONFIG_HOME", ".config", env)
    return os.path.join(folder, "config.toml") if folder else None


def user_dir(variable: str, fallback: str, env: Mapping[str, str]) -> str | None:
    """``<$variable or ~/fallback>/trayapp`` as platformdirs finds it on Linux; None where that is unsure."""
    if sys.platform != "linux" or hasattr(sys, "getandroidapilevel"):
        return None
    if env.get("ANDROID_DATA") or env.get("ANDROID_ROOT"):
        return None
    base = env.get(variable, "")
    if not os.path.isabs(base):
        home = env.get("HOME", "")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home.rstrip("/") or "/", fallback)
    return os.path.join(base, APP)
