"""trayapp's quick source-chain check gives botocore's own verdict, on botocore's cases and generated configs.

botocore's AssumeRoleProvider runs for real on each config; its source providers are fakes that
always have credentials, so only its configuration checks can refuse (no network, no files).
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from botocore.credentials import AssumeRoleProvider, CanonicalNameCredentialSourcer, Credentials
from botocore.exceptions import InfiniteLoopConfigError, InvalidConfigError, PartialCredentialsError

from trayapp.core.sourcechain import CREDENTIAL_SOURCES, walk


class AlwaysCredentials:
    """A botocore credential provider (by canonical name) that always has keys."""

    METHOD = "fake"

    def __init__(self, name: str | None = None):
        self.CANONICAL_NAME = name

    def load(self) -> Credentials:
        return Credentials("AKIAFAKE", "fake")


class Builder:
    """Stands in for botocore's ProfileProviderBuilder: every profile's own providers have keys."""

    def providers(self, profile_name: str, disable_env_vars: bool = False) -> list[AlwaysCredentials]:
        return [AlwaysCredentials()]


def botocore_refuses(profiles: dict[str, dict[str, str]], name: str) -> bool:
    provider = AssumeRoleProvider(
        load_config=lambda: {"profiles": profiles},
        client_creator=lambda *a, **k: pytest.fail("no client may be made"),
        cache={},
        profile_name=name,
        credential_sourcer=CanonicalNameCredentialSourcer([AlwaysCredentials(n) for n in CREDENTIAL_SOURCES]),
        profile_provider_builder=Builder(),
    )
    try:
        provider.load()
    except (InvalidConfigError, PartialCredentialsError, InfiniteLoopConfigError):
        return True
    return False


def checked(profiles: dict[str, dict[str, str]]) -> list[str]:
    """The profiles botocore's AssumeRoleProvider handles: role_arn without web identity."""
    return [n for n, p in profiles.items() if "role_arn" in p and "web_identity_token_file" not in p]


ROLE = {"role_arn": "arn:aws:iam::123456789012:role/r"}
KEYS = {"aws_access_key_id": "AKIA", "aws_secret_access_key": "s"}
CASES = {
    "source with keys": {"A": {**ROLE, "source_profile": "B"}, "B": KEYS},
    "stops at keys": {
        "A": {**ROLE, "source_profile": "B"},
        "B": {**KEYS, **ROLE, "source_profile": "C"},
        "C": KEYS,
    },
    "self with keys": {"A": {**ROLE, **KEYS, "source_profile": "A"}},
    "self without keys": {"A": {**ROLE, "source_profile": "A"}},
    "loop of two": {"A": {**ROLE, "source_profile": "B"}, "B": {**ROLE, "source_profile": "A"}},
    "loop back to a keyed start": {
        "A": {**ROLE, **KEYS, "source_profile": "B"},
        "B": {**ROLE, "source_profile": "A"},
    },
    "no source": {"A": ROLE},
    "both": {"A": {**ROLE, "source_profile": "B", "credential_source": "Environment"}, "B": KEYS},
    "unknown credential_source": {"A": {**ROLE, "credential_source": "Laptop"}},
    "missing source": {"A": {**ROLE, "source_profile": "nowhere"}},
    "bad hop": {"A": {**ROLE, "source_profile": "B"}, "B": {**ROLE}},
    "web identity source": {
        "A": {**ROLE, "source_profile": "B"},
        "B": {**ROLE, "web_identity_token_file": "/t"},
    },
}


@pytest.mark.parametrize("profiles", CASES.values(), ids=CASES.keys())
def test_botocores_cases(profiles: dict[str, dict[str, str]]) -> None:
    for name in checked(profiles):
        assert (walk(profiles, name)[1] is not None) == botocore_refuses(profiles, name), name


def random_profiles(rng: random.Random) -> dict[str, dict[str, str]]:
    names = ["A", "B", "C", "D"][: rng.randint(1, 4)]
    profiles: dict[str, dict[str, str]] = {}
    for name in names:
        profile: dict[str, Any] = {}
        if rng.random() < 0.7:
            profile.update(ROLE)
        if rng.random() < 0.6:
            profile["source_profile"] = rng.choice([*names, "missing"])
        if rng.random() < 0.25:
            profile["credential_source"] = rng.choice([*CREDENTIAL_SOURCES, "Laptop"])
        if rng.random() < 0.3:
            profile.update(KEYS if rng.random() < 0.8 else {"aws_access_key_id": "AKIA"})
        if rng.random() < 0.1:
            profile["web_identity_token_file"] = "/token"
        profiles[name] = profile
    return profiles


def test_generated_configs_get_botocores_verdict() -> None:
    rng = random.Random(20261203)
    compared = refused = 0
    for _ in range(4000):
        profiles = random_profiles(rng)
        for name in checked(profiles):
            ours, theirs = walk(profiles, name)[1] is not None, botocore_refuses(profiles, name)
            assert ours == theirs, (profiles, name)
            compared += 1
            refused += theirs
    assert compared > 5000 and 0.2 < refused / compared < 0.9  # both verdicts are well represented
