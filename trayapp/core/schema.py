"""The config's vocabulary: its tables, keys and choices, in a module light enough for the fast path."""

from __future__ import annotations

from typing import Literal

ConsoleMode = Literal["switch-role", "signed"]
CONSOLE_MODES: tuple[ConsoleMode, ...] = ("switch-role", "signed")
BackMode = Literal["sign-in-page", "federated"]
BACK_MODES: tuple[BackMode, ...] = ("sign-in-page", "federated")
CREDENTIAL_FORMATS = ("sh", "fish", "powershell", "cmd", "dotenv", "json", "credential-process")
SESSION_CACHES = ("file", "keyring", "memory")

TOP_KEYS = ("primary", "settings", "account")
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
