"""The command line in this process, on a fake Environment: what each command says and which service it used.

tests/unit/test_cli.py runs the same commands as real processes (the end-to-end layer); here the
browser records URLs, the clipboard is in memory, the streams are captured and the clock is fixed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.fakeenv import Fakes

from trayapp.cli import main
from trayapp.core.cache import CachedSession, FileCache, sessions_dir
from trayapp.core.clipmark import fingerprint
from trayapp.core.config import CONFIG_TEMPLATE, load_config
from trayapp.core.model import RoleCredentials
from trayapp.core.sessions import SessionProvider
from trayapp.core.state import StateStore

CONFIG = """\
[primary]
region = "eu-west-1"
label = "george"

[[account]]
name = "side-project"
display_name = "Side project"
account_id = "044455556666"
role_name = "ops/admin"
color = "#2E7D32"
region = "eu-central-1"
group = "Personal"
"""

SIDE_URL = (
    "https://signin.aws.amazon.com/switchrole?account=044455556666&roleName=ops%2Fadmin"
    "&displayName=Side%20project&color=b7ca9d"
    "&redirect_uri=https%3A%2F%2Feu-central-1.console.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Deu-central-1"
)
SECRET = "cached-secret/+key"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


def run(fakes: Fakes, config: Path, *argv: str, environ: dict[str, str] | None = None) -> int:
    """``trayapp ARGV --config CONFIG`` on the fake Environment."""
    return main(["--config", str(config), *argv], fakes.env(environ))


def cached_session(config: Path, environ: dict[str, str]) -> RoleCredentials:
    """A fresh session in the file cache under the key the engine computes: creds needs no AWS."""
    cfg = load_config(config, environ)
    provider = SessionProvider(cfg, FileCache(sessions_dir()), lambda *a: None, environ=environ)
    account = cfg.accounts[0]
    creds = RoleCredentials("ASIACACHED0000000001", SECRET, "token-1", "2099-01-01T00:00:00Z")
    FileCache(sessions_dir()).put(
        provider.cache_key(account), CachedSession(account.name, account.role_arn, creds)
    )
    return creds


def test_list_prints_the_table_on_stdout(fakes: Fakes, config: Path) -> None:
    assert run(fakes, config, "list") == 0
    lines = fakes.stdout.getvalue().splitlines()
    assert lines[0].split() == ["NAME", "DISPLAY", "NAME", "ACCOUNT", "ROLE", "REGION", "GROUP"]
    assert lines[1].split() == [
        "side-project",
        "Side",
        "project",
        "044455556666",
        "ops/admin",
        "eu-central-1",
        "Personal",
    ]
    assert fakes.stderr.getvalue() == ""


def test_list_without_accounts_says_where_they_go_on_stderr(fakes: Fakes, tmp_path: Path) -> None:
    missing = tmp_path / "none.toml"
    assert run(fakes, missing, "list") == 0
    assert fakes.stdout.getvalue() == ""
    assert (
        f"No accounts yet. Add [[account]] tables to {missing} (it does not exist yet)"
        in fakes.stderr.getvalue()
    )


def test_url_prints_the_switch_role_url_and_opens_nothing(fakes: Fakes, config: Path) -> None:
    assert run(fakes, config, "url", "side-project", "--switch-role") == 0
    assert fakes.stdout.getvalue() == SIDE_URL + "\n"
    assert fakes.browser.opened == []


def test_open_hands_the_url_to_the_browser_and_remembers_the_console(fakes: Fakes, config: Path) -> None:
    assert run(fakes, config, "open", "Side project", "--switch-role") == 0
    assert fakes.browser.opened == [(SIDE_URL, None, False)]  # not a secret: no loopback hand-off
    assert fakes.stderr.getvalue() == "Opened the console for Side project (switch-role).\n"
    console = StateStore.default().load().console
    assert console is not None and console.account == "side-project"
    assert console.until == "2026-11-28T13:00:00Z"  # the fixed clock plus the switch-role hour


def test_an_unknown_account_is_one_sentence_and_exit_2(fakes: Fakes, config: Path) -> None:
    assert run(fakes, config, "open", "nope") == 2
    err = fakes.stderr.getvalue()
    assert err.startswith("trayapp: ") and err.count("\n") == 1
    assert fakes.browser.opened == [] and fakes.stdout.getvalue() == ""


def test_creds_from_the_cache_goes_to_stdout_and_never_to_stderr(fakes: Fakes, config: Path) -> None:
    creds = cached_session(config, {})
    assert run(fakes, config, "creds", "side-project", "--format", "dotenv") == 0
    out = fakes.stdout.getvalue()
    assert f'AWS_ACCESS_KEY_ID="{creds.access_key_id}"' in out and SECRET in out
    assert SECRET not in fakes.stderr.getvalue()


def test_creds_copy_puts_them_on_the_clipboard_and_schedules_the_clear(fakes: Fakes, config: Path) -> None:
    cached_session(config, {})
    assert run(fakes, config, "creds", "side-project", "--copy") == 0
    assert SECRET in fakes.clipboard.text and fakes.stdout.getvalue() == ""
    assert fakes.clipboard.clear_later_calls == [(fingerprint(fakes.clipboard.text), 45)]
    assert (
        "copied, valid until 2099-01-01T00:00:00Z; the clipboard is cleared in 45 s."
        in fakes.stderr.getvalue()
    )
    assert SECRET not in fakes.stderr.getvalue()
    # back to primary clears what we copied, and only that
    assert run(fakes, config, "open", "side-project", "--switch-role") == 0
    assert run(fakes, config, "back") == 0
    assert fakes.clipboard.text == ""
    assert "Copied credentials cleared from the clipboard." in fakes.stderr.getvalue()


def test_the_cache_key_follows_the_injected_environ(fakes: Fakes, config: Path) -> None:
    """AWS_PROFILE in the Environment (not os.environ) names another source: the cached session is not its."""
    cached_session(config, {})
    environ = {"AWS_PROFILE": "elsewhere", "AWS_CONFIG_FILE": "/nonexistent/config"}
    assert run(fakes, config, "creds", "side-project", environ=environ) != 0
    assert fakes.stdout.getvalue() == ""


def test_exec_gives_the_child_the_account_and_drops_the_callers_keys(fakes: Fakes, config: Path) -> None:
    environ = {"AWS_ACCESS_KEY_ID": "AKIACALLER", "AWS_PROFILE": "x", "KEEP": "1"}
    creds = cached_session(config, environ)
    assert run(fakes, config, "exec", "side-project", "--", "printenv", environ=environ) == 0, (
        fakes.stderr.getvalue()
    )
    [(argv, child_env)] = fakes.children
    assert argv == ["printenv"]
    assert child_env["AWS_ACCESS_KEY_ID"] == creds.access_key_id and child_env["KEEP"] == "1"
    assert "AWS_PROFILE" not in child_env and child_env["TRAYAPP_ACCOUNT"] == "side-project"


def test_config_check_good_and_bad(fakes: Fakes, config: Path, tmp_path: Path) -> None:
    assert run(fakes, config, "config", "check") == 0
    assert fakes.stdout.getvalue() == f"{config}: OK, 1 accounts\n"
    bad = tmp_path / "bad.toml"
    bad.write_text(CONFIG.replace('"044455556666"', '"4444"'), encoding="utf-8")
    assert run(fakes, bad, "config", "check") == 2
    assert "account 'side-project'.account_id" in fakes.stderr.getvalue()


def test_config_edit_opens_the_editor_in_the_foreground_then_checks(fakes: Fakes, tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    assert run(fakes, path, "config", "edit") == 0
    assert fakes.editor.opened == [(path, True)]
    assert path.read_text(encoding="utf-8") == CONFIG_TEMPLATE
    fakes.editor.edit = "[[account]]\nname = 'x'\n"  # the user saves a broken file
    assert run(fakes, path, "config", "edit") == 2
    assert "The config still has problems" in fakes.stderr.getvalue()


def test_import_link_reads_the_injected_clipboard(fakes: Fakes, config: Path) -> None:
    fakes.clipboard.copy(
        "https://signin.aws.amazon.com/switchrole?account=123456789012&roleName=dev&displayName=Dev"
    )
    assert run(fakes, config, "import", "link") == 0
    assert fakes.stdout.getvalue() == f"Added account 'dev' to {config}.\n"
    assert [a.name for a in load_config(config).accounts] == ["side-project", "dev"]


def test_import_aesr_from_the_injected_stdin(fakes: Fakes, config: Path) -> None:
    fakes.stdin.write("[profile ops]\naws_account_id = 210987654321\nrole_name = ops\n")
    fakes.stdin.seek(0)
    assert run(fakes, config, "import", "aesr", "-", "--dry-run") == 0
    out = fakes.stdout.getvalue()
    assert "would add ops (210987654321, ops)" in out and "nothing was written" in out


def test_autostart_goes_through_the_environment(fakes: Fakes, config: Path) -> None:
    assert run(fakes, config, "autostart", "enable") == 0
    assert fakes.autostart.on and fakes.stdout.getvalue() == "Start at login: enabled\n"


def test_the_config_path_comes_from_the_injected_environ(fakes: Fakes, config: Path) -> None:
    assert main(["config", "path"], fakes.env({"TRAYAPP_CONFIG": str(config)})) == 0
    assert fakes.stdout.getvalue() == f"{config}\n"
