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
        source, named = profile.get("source_profile"), profile.get("credential_source")
        if source is not None and named is not None:
            return tuple(chain), _said(
                name, f"profile {current!r} sets both source_profile and credential_source"
            )
        if source is None and named is None:
            return tuple(chain), _said(
                name, f"profile {current!r} has role_arn but neither source_profile nor credential_source"
            )
        if named is not None:
            if named not in CREDENTIAL_SOURCES:
                return tuple(chain), _said(
                    name,
                    f"credential_source {named!r} of profile {current!r} is not one of {', '.join(CREDENTIAL_SOURCES)}",
                )
            return (*chain, f"credential_source={named}"), None
        if not isinstance(source, str) or source not in profiles:
            return tuple(chain), _said(
                name, f"the source_profile {source!r} of profile {current!r} does not exist"
            )
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
