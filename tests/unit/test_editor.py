"""Edit accounts: $VISUAL/$EDITOR, the desktop's handler, a plain editor; never a silent failure."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from trayapp.core.config import CONFIG_TEMPLATE, parse_config
from trayapp.platforms import editor
from trayapp.platforms.editor import EditorError, candidates, open_in_editor

CONFIG = Path("/home/u/.config/trayapp/config.toml")


def only(*names: str):  # type: ignore[no-untyped-def]
    return lambda name: f"/usr/bin/{name}" if name in names else None


def test_the_order_of_the_ways_to_open_the_file() -> None:
    env = {"VISUAL": "code --wait", "EDITOR": "vim"}
    assert candidates(CONFIG, env, foreground=True, which=only("xterm", "gedit")) == [
        ["code", "--wait", str(CONFIG)],
        editor.desktop_handler(CONFIG),
        ["gedit", str(CONFIG)],
    ]
    assert candidates(CONFIG, {"EDITOR": "vim"}, foreground=False, which=only("xterm")) == [
        ["xterm", "-e", "vim", str(CONFIG)],
        ["vim", str(CONFIG)],
        editor.desktop_handler(CONFIG),
    ]
    assert candidates(CONFIG, {"EDITOR": "nano", "TERMINAL": "foot"}, False, only("foot", "xterm"))[0] == [
        "foot",
        "-e",
        "nano",
        str(CONFIG),
    ]
    assert candidates(CONFIG, {}, False, only())[0] == editor.desktop_handler(CONFIG)


def test_desktop_handlers_per_platform() -> None:
    assert editor.desktop_handler(CONFIG, "linux") == ["xdg-open", str(CONFIG)]
    assert editor.desktop_handler(CONFIG, "darwin") == ["open", "-t", str(CONFIG)]
    assert editor.desktop_handler(CONFIG, "darwin", wait=True) == ["open", "-W", "-t", str(CONFIG)]
    assert editor.desktop_handler(CONFIG, "win32") == ["notepad", str(CONFIG)]


def recording_editor(folder: Path) -> tuple[Path, Path]:
    log = folder / "called.txt"
    script = folder / "visual"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nopen({str(log)!r}, 'a').write(repr(sys.argv[1:]) + '\\n')\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, log


def test_visual_is_called_with_the_config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script, log = recording_editor(tmp_path)
    monkeypatch.setattr(editor, "terminal_emulator", lambda environ, which=None: [])
    path = tmp_path / "config.toml"
    assert open_in_editor(path, {"VISUAL": str(script)}, foreground=False) == [str(script), str(path)]
    assert log.read_text() == f"[{str(path)!r}]\n"


def test_when_nothing_opens_the_error_names_the_file_and_every_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no xdg-open, no editors
    path = tmp_path / "config.toml"
    with pytest.raises(EditorError) as caught:
        open_in_editor(path, {"EDITOR": "no-such-editor"}, foreground=False)
    message = str(caught.value)
    assert message.startswith(f"could not open an editor for {path}: ")
    assert "no-such-editor not found" in message and "xdg-open not found" in message


def test_a_launcher_that_fails_at_once_counts_as_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "xdg-open"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EditorError, match="xdg-open exited with status 3"):
        open_in_editor(tmp_path / "config.toml", {}, foreground=False)


def test_the_template_shows_every_key_commented() -> None:
    assert parse_config(CONFIG_TEMPLATE.encode(), Path("c.toml")).accounts == ()
    for key in ("group", "link", "external_id", "destination", "browser", "back", "label", "profile"):
        assert f"# {key} = " in CONFIG_TEMPLATE, key
    uncommented = "\n".join(
        line[2:] if line.startswith("# ") and ("=" in line or line.startswith("# [")) else line
        for line in CONFIG_TEMPLATE.splitlines()
    )
    config = parse_config(uncommented.encode(), Path("c.toml"))
    assert config.primary.back == "sign-in-page"
    side, prod = config.accounts
    assert (side.group, side.destination, side.browser) == (
        "Personal",
        "cloudwatch",
        "chromium --profile-directory=Work {url}",
    )
    assert (prod.group, prod.external_id, prod.account_id) == ("Work", "acme-7f3a", "777788889999")


def test_back_takes_only_the_two_ways_back() -> None:
    from trayapp.core.errors import ConfigError

    assert parse_config(b'[primary]\nback = "federated"\n', Path("c.toml")).primary.back == "federated"
    with pytest.raises(ConfigError, match=r"primary\.back"):
        parse_config(b'[primary]\nback = "logout"\n', Path("c.toml"))
