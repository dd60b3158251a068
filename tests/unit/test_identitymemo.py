"""The identity memo: a day per key, hashed, and a damaged file is only a miss."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from trayapp.core.identitymemo import IdentityMemo

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
ARN = "arn:aws:iam::123456789012:user/george"


def test_remembered_for_a_day_across_processes(tmp_path: Path) -> None:
    now = [NOW]
    IdentityMemo(tmp_path, lambda: now[0]).put("AKIAMEMO", ARN, "123456789012")
    later = IdentityMemo(tmp_path, lambda: now[0])  # another process: from the file
    assert later.get("AKIAMEMO") == (ARN, "123456789012") and later.get("AKIAOTHER") is None
    now[0] = NOW + timedelta(days=1, seconds=1)
    assert IdentityMemo(tmp_path, lambda: now[0]).get("AKIAMEMO") is None
    assert "AKIAMEMO" not in (tmp_path / "identities.json").read_text()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[]",
        "{",
        '{"x": 1}',
        '{"x": {"arn": "a", "account": "1", "until": "2099-01-01T00:00:00"}}',
        '{"x": {"until": 5}}',
    ],
)
def test_a_damaged_file_is_only_a_miss(tmp_path: Path, text: str) -> None:
    (tmp_path / "identities.json").write_text(text, encoding="utf-8")
    memo = IdentityMemo(tmp_path, lambda: NOW)
    assert memo.get("AKIAMEMO") is None
    memo.put("AKIAMEMO", ARN, "123456789012")
    assert IdentityMemo(tmp_path, lambda: NOW).get("AKIAMEMO") == (ARN, "123456789012")
