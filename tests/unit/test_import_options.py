"""Options go anywhere on an import's command line: one parser per source."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli import RunCli

LINK = "https://signin.aws.amazon.com/switchrole?account=123456789012&roleName=dev&displayName=Dev"
AESR = "[profile dev]\naws_account_id = 123456789012\nrole_name = dev\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["import", "aesr", "--dry-run", "{file}"],
        ["import", "aesr", "{file}", "--dry-run"],
        ["import", "--config", "{config}", "aesr", "--group", "G", "{file}", "--dry-run"],
        ["import", "aesr", "--group", "G", "--dry-run", "{file}"],
        ["import", "link", "--dry-run", LINK],
        ["import", "link", LINK, "--dry-run", "--group", "G"],
    ],
)
def test_options_anywhere(run_cli: RunCli, tmp_path: Path, argv: list[str]) -> None:
    file, config = tmp_path / "aesr.ini", tmp_path / "config.toml"
    file.write_text(AESR, encoding="utf-8")
    args = [a.format(file=file, config=config) for a in argv]
    result = run_cli(*args, env={"TRAYAPP_CONFIG": str(config)})
    assert result.returncode == 0, result.stderr
    assert "123456789012" in result.stdout or "Would add account" in result.stdout
    assert not config.exists()  # a dry run writes nothing


def test_sso_and_organizations_take_no_file(run_cli: RunCli, tmp_path: Path) -> None:
    for source in ("sso", "organizations"):
        result = run_cli("import", source, "accounts.ini", env={"TRAYAPP_CONFIG": str(tmp_path / "c.toml")})
        assert result.returncode == 2
        assert (
            result.stderr.strip()
            == f"trayapp: 'trayapp import {source}' takes no FILE or URL, got 'accounts.ini'"
        )
