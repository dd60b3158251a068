"""The console's switch-role links (``https://signin.aws.amazon.com/switchrole?...``) read as an account."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from trayapp.core import configvalues as check
from trayapp.core.identifiers import DISPLAY_NAME_MAX

SIGNIN_HOSTS = {
    "signin.aws.amazon.com": "aws",
    "signin.amazonaws-us-gov.com": "aws-us-gov",
    "signin.amazonaws.cn": "aws-cn",
}
REGIONAL_PREFIX = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]\.")


def parse_switch_role_link(value: object) -> dict[str, str]:
    """Account, role, label and colour from a console switch-role link."""
    text = check.string(value).strip()
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    base = REGIONAL_PREFIX.sub("", host)
    if parts.scheme != "https" or base not in SIGNIN_HOSTS or parts.path.rstrip("/") != "/switchrole":
        raise ValueError(
            "expected a link such as https://signin.aws.amazon.com/switchrole?account=...&roleName=..."
        )
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    if "account" not in query or "roleName" not in query:
        raise ValueError("the link lacks account= or roleName=")
    found = {
        "partition": SIGNIN_HOSTS[base],
        "account_id": check.account_id(query["account"]),
        "role_name": check.role_name(query["roleName"]),
    }
    if "displayName" in query:
        found["display_name"] = check.text(DISPLAY_NAME_MAX)(query["displayName"])
    if "color" in query:
        found["color"] = check.color(query["color"])
    return found
