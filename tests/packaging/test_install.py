"""``./install.sh`` for real into a throw-away HOME: launcher, hicolor icons, metainfo, then ``--uninstall``.

The venv is made beforehand from Debian's python3 with its system packages (PyGObject from
python3-gi), so install.sh's own ``pip install .`` does not rebuild PyGObject; everything else is
the script as users run it.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from support.layers import missing_layer

pytestmark = pytest.mark.packaging

REPO = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = "/usr/bin/python3"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def _need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        missing_layer(f"INSTALL TEST NOT RUN: missing {', '.join(missing)} (tests/debian-packages.txt)")


def test_packaging_files_are_valid() -> None:
    _need("desktop-file-validate", "appstreamcli")
    desktop = subprocess.run(
        ["desktop-file-validate", str(REPO / "packaging" / "io.github.trayapp.desktop")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert desktop.returncode == 0 and desktop.stdout == "", desktop
    metainfo = subprocess.run(
        ["appstreamcli", "validate", "--no-net", "--pedantic", str(REPO / "packaging" / "io.github.trayapp.metainfo.xml")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert metainfo.returncode == 0, metainfo.stdout + metainfo.stderr
    with Image.open(REPO / "assets" / "trayapp.icns") as icns:
        assert icns.size == (1024, 1024)
        assert {(16, 16, 2), (128, 128, 1), (256, 256, 1), (512, 512, 2)} <= set(icns.info["sizes"])


def test_install_adds_a_launcher_with_its_icon_and_uninstall_removes_it_all(tmp_path: Path) -> None:
    _need("desktop-file-validate", SYSTEM_PYTHON)
    home = tmp_path / "home"
    prefix = home / ".local" / "share" / "trayapp"
    subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", str(prefix / "venv")], check=True)
    config = home / ".config" / "trayapp" / "config.toml"
    cache = home / ".cache" / "trayapp" / "sessions" / "x.json"
    for path in (config, cache):
        path.parent.mkdir(parents=True)
        path.write_text("mine\n")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_DATA_HOME", "XDG_CONFIG_HOME")
    }
    env.update(HOME=str(home), PIP_DISABLE_PIP_VERSION_CHECK="1")

    done = subprocess.run(
        [str(REPO / "install.sh")], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "trayapp in your applications menu" in done.stdout

    data = home / ".local" / "share"
    launcher = data / "applications" / "io.github.trayapp.desktop"
    valid = subprocess.run(
        ["desktop-file-validate", str(launcher)], capture_output=True, text=True, check=False
    )
    assert valid.returncode == 0 and valid.stdout == "", valid
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(launcher)
    exec_line = entry["Desktop Entry"]["Exec"]
    program = Path(exec_line.split('"')[1])
    assert program == prefix / "venv" / "bin" / "trayapp" and os.access(program, os.X_OK), exec_line
    assert exec_line.endswith('" tray')
    version = subprocess.run([str(program), "--version"], capture_output=True, text=True, check=False)
    assert version.returncode == 0 and "trayapp" in version.stdout + version.stderr
    assert entry["Desktop Entry"]["Icon"] == "trayapp"
    for size in SIZES:  # Icon=trayapp resolves in the hicolor theme, at its standard sizes
        with Image.open(data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "trayapp.png") as icon:
            assert icon.size == (size, size)
    assert (data / "metainfo" / "io.github.trayapp.metainfo.xml").read_bytes() == (
        REPO / "packaging" / "io.github.trayapp.metainfo.xml"
    ).read_bytes()
    assert (home / ".local" / "bin" / "trayapp").resolve() == program.resolve()

    # trayapp's own start-at-login entry goes too; one the user wrote would stay.
    autostart = home / ".config" / "autostart" / "trayapp.desktop"
    enabled = subprocess.run(
        [str(program), "autostart", "enable"], env=env, capture_output=True, text=True, check=False
    )
    assert enabled.returncode == 0 and autostart.exists(), enabled

    gone = subprocess.run(
        [str(REPO / "install.sh"), "--uninstall"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert gone.returncode == 0, gone.stdout + gone.stderr
    # Left: the user's files, and the desktop's shared MIME cache of the applications folder, emptied.
    left = sorted(
        str(p.relative_to(home))
        for top in (".local", ".config", ".cache")
        for p in (home / top).rglob("*")
        if p.is_file() and p.name != "mimeinfo.cache"
    )
    assert left == [".cache/trayapp/sessions/x.json", ".config/trayapp/config.toml"], left
    assert not (data / "icons" / "hicolor" / "16x16" / "apps" / "trayapp.png").exists()
    assert config.read_text() == cache.read_text() == "mine\n"
