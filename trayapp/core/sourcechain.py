"""A role profile's source chain, checked by botocore's rules without importing botocore's providers.

botocore's AssumeRoleProvider refuses a role profile with neither ``source_profile`` nor
``credential_source``, with both, with a ``credential_source`` it does not know, with a
``source_profile`` that does not exist, and with a chain that loops; it stops the walk at the
first profile with keys, or without a role. Importing it costs ~150 ms, too much for ``list``
and the tray's start, so this walk repeats those rules, and tests/unit/test_sourcechain.py holds
it to botocore's own verdict on thousands of generated configs. Credentials are always
resolved by botocore itself (core/profiles.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CREDENTIAL_SOURCES = ("Environment", "Ec2InstanceMetadata", "EcsContainer")  # botocore's canonical names
STATIC_KEYS = ("aws_access_key_id", "aws_secret_access_key")


def has_keys(profile: Mapping[str, Any]) -> bool:
    return any(key in profile for key in STATIC_KEYS)


def is_role(profile: Mapping[str, Any]) -> bool:
    """A profile botocore assumes as a role (a web identity profile is another provider's)."""
    return "role_arn" in profile and "web_identity_token_file" not in profile


def walk(profiles: Mapping[str, Any], name: str) -> tuple[tuple[str, ...], str | None]:
    """(the sources walked to the signer, why botocore would refuse profile ``name`` or None)."""
    chain: list[str] = []
    visited, current = [name], name
    for _ in range(len(profiles) + 1):
        profile = profiles[current]
        it = "it" if current == name else f"its source profile {current!r}"
        source, named = profile.get("source_profile"), profile.get("credential_source")
        why = None
        if source is not None and named is not None:
            why = f"{it} sets both source_profile and credential_source"
        elif source is None and named is None:
            why = f"{it} has role_arn but neither source_profile nor credential_source"
        elif named is not None and named not in CREDENTIAL_SOURCES:
            why = f"{it} names credential_source {named!r}, not one of {', '.join(CREDENTIAL_SOURCES)}"
        elif named is not None:
            return (*chain, f"credential_source={named}"), None
        elif not isinstance(source, str) or source not in profiles:
            why = f"{it} names source_profile {source!r}, which does not exist"
        if why:
            return tuple(chain), _said(name, why)
        assert isinstance(source, str)
        target = profiles[source]
        if source in visited and (source != current or not has_keys(target)):
            return tuple(chain), _said(name, "its source_profile chain loops back on itself")
        visited.append(source)
        chain.append(source)
        if has_keys(target) or not is_role(target):
            return tuple(chain), None  # botocore stops here: this profile's own credentials sign
        current = source
    return tuple(chain), _said(name, "its source_profile chain loops back on itself")


def _said(name: str, why: str) -> str:
    return f"AWS profile {name!r} cannot be used as the AWS CLI would refuse it too: {why}"
