"""Where trayapp's and the AWS CLI's files are on this machine; light, because the tray's first paint needs it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from trayapp.core.configfile import default_config_path


def config_path(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """``--config``, else ``$TRAYAPP_CONFIG``, else the platform default."""
    chosen = explicit or (environ or {}).get("TRAYAPP_CONFIG")  # None: no environment, as everywhere
    return Path(chosen).expanduser() if chosen else default_config_path()


def aws_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$AWS_CONFIG_FILE``, else ``~/.aws/config``, as the AWS CLI decides."""
    return Path((environ or {}).get("AWS_CONFIG_FILE") or "~/.aws/config").expanduser()


def aws_credentials_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$AWS_SHARED_CREDENTIALS_FILE``, else ``~/.aws/credentials``: botocore merges its profiles in."""
    return Path((environ or {}).get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials").expanduser()


def state_dir() -> Path:
    """``<user state dir>/trayapp``: state.json and the tray's lock."""
    import platformdirs

    return Path(platformdirs.user_state_dir("trayapp", appauthor=False))


def cache_dir() -> Path:
    """``<user cache dir>/trayapp``: sessions, locks, botocore's data cut, the icon's first picture."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("trayapp", appauthor=False))


def state_file() -> Path:
    """``state.json``: where the console and the terminal credentials are."""
    return state_dir() / "state.json"
