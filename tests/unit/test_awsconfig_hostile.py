"""Odd shapes in ~/.aws/config: a bad profile is skipped with a warning naming file and profile, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from trayapp.core.awsconfig import role_profiles

ROLE = "role_arn = arn:aws:iam::123456789012:role/"
CASES = {
    "nested source_profile on the chain": f"[profile A]\n{ROLE}a\nsource_profile = B\n[profile B]\n{ROLE}b\nsource_profile =\n  x = y\n",
    "nested credential_source on the chain": f"[profile A]\n{ROLE}a\nsource_profile = B\n[profile B]\n{ROLE}b\ncredential_source =\n  x = y\n",
    "nested role_arn of the source": f"[profile A]\n{ROLE}a\nsource_profile = B\n[profile B]\nrole_arn =\n  x = y\nsource_profile = A\n",
    "nested own role_arn": "[profile A]\nrole_arn =\n  nested = arn:aws:iam::123456789012:role/a\ncredential_source = Environment\n",
    "nested sso_account_id": "[profile A]\nsso_account_id =\n  a = b\nsso_role_name = x\nsso_start_url = https://x.awsapps.com/start\n",
    "nested color": f"[profile A]\n{ROLE}a\ncredential_source = Environment\ncolor =\n  a = b\n",
    "default is its own source without keys": f"[default]\n{ROLE}a\nsource_profile = default\n",
    "sso_session that does not exist": "[profile A]\nsso_session = nowhere\nsso_account_id = 123456789012\nsso_role_name = x\n",
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_odd_profiles_are_skipped_with_a_problem(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config"
    path.write_text(
        text + f"\n[profile fine]\n{ROLE}fine\ncredential_source = Environment\n", encoding="utf-8"
    )
    accounts, problems = role_profiles(path, tmp_path / "credentials")
    assert [a.name for a in accounts] == ["fine"]  # the good profile survives its neighbours
    assert problems
    for problem in problems:
        assert problem.file == path and problem.line and problem.key.startswith("profile ")
        assert "\n" not in problem.message


def test_a_file_broken_after_loading_is_one_sentence_at_fetch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The AWS config changed under a running tray: a sentence naming the profile, not an unexpected error."""
    from trayapp.core.cache import MemoryCache
    from trayapp.core.errors import TrayappError
    from trayapp.core.model import Account, Config
    from trayapp.core.sessions import SessionProvider

    path = tmp_path / "config"
    path.write_text(
        "[profile A]\nrole_arn = x\nrole_arn = y\n", encoding="utf-8"
    )  # a key twice: botocore refuses
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    account = Account("A", "A", "123456789012", "r", source="aws-config", source_profile="B")
    provider = SessionProvider(Config(path=tmp_path / "c.toml", exists=False), MemoryCache(), lambda *a: None)
    with pytest.raises(TrayappError) as caught:
        provider.credentials(account)
    assert "'A'" in str(caught.value) and "\n" not in str(caught.value)
