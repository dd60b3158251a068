"""Where config.toml lives, and the commented file a first run writes there."""

from __future__ import annotations

from pathlib import Path

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
