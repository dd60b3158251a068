"""The PyInstaller bundle, driven the way the other layers drive ``python -m trayapp``.

The command line: its version, ``list --json``, ``creds`` and ``exec`` against moto on loopback
(botocore's data files made it into the bundle), the ``-m`` form trayapp uses for its helpers
and ``credential_process`` lines, and the library path its children get. The tray: on a test
desktop (Xvfb, D-Bus, trayer, dunst) with both pystray backends that work there, it docks, draws
its mark, opens its menu on a right click and exits 0 on Quit.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from support.desktop import Desktop
from support.servers import PRIMARY_ACCESS_KEY_ID, PRIMARY_SECRET_ACCESS_KEY, MotoServer, closed_url

from trayapp import __version__
from trayapp.tray import images

pytestmark = pytest.mark.packaging

CONFIG = textwrap.dedent(
    """\
    [primary]
    label = "george"
    account_id = "111122223333"
    region = "eu-west-1"

    [[account]]
    name = "side-project"
    display_name = "Side project"
    account_id = "444455556666"
    role_name = "admin"
    color = "#2e7d32"
    region = "eu-central-1"
    """
)
IDENTIFY = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])"
EXPORT = re.compile(r"^ export (AWS_[A-Z_]+)='([^']*)'$", re.MULTILINE)
USER_LIBRARY_PATH = "/opt/trayapp-test/lib"


@pytest.fixture
def home(isolated_home: Path) -> Path:
    """The isolated HOME with the config and the primary user's keys in ``[default]``."""
    aws = isolated_home / ".aws"
    aws.mkdir(parents=True, exist_ok=True)
    (aws / "credentials").write_text(
        f"[default]\naws_access_key_id = {PRIMARY_ACCESS_KEY_ID}\n"
        f"aws_secret_access_key = {PRIMARY_SECRET_ACCESS_KEY}\n"
    )
    (aws / "config").write_text("[default]\nregion = us-east-1\n")
    (isolated_home / "trayapp.toml").write_text(CONFIG)
    return isolated_home


def bundle_env(home: Path, sts_url: str) -> dict[str, str]:
    """What the bundle runs with: the isolated HOME (set by ``isolated_home``), STS at ``sts_url``."""
    return {
        **os.environ,
        "TRAYAPP_CONFIG": str(home / "trayapp.toml"),
        "AWS_ENDPOINT_URL_STS": sts_url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONPATH": "",  # the bundle must not need the source tree
    }


def run(bundle: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bundle), *args],
        env=env,
        cwd=env["HOME"],  # not the repository: nothing may be imported from there
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# --------------------------------------------------------------------------------------------
# the command line
# --------------------------------------------------------------------------------------------


def test_version_and_list_json(bundle: Path, home: Path) -> None:
    env = bundle_env(home, closed_url())
    version = run(bundle, env, "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout == f"trayapp {__version__}\n"

    listed = run(bundle, env, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [
        {
            "name": "side-project",
            "display_name": "Side project",
            "account_id": "444455556666",
            "role_name": "admin",
            "color": "#2e7d32",
            "region": "eu-central-1",
            "group": None,
            "source": "config",
        }
    ]


def test_creds_against_moto_print_role_keys(bundle: Path, home: Path, moto: MotoServer) -> None:
    """botocore's service models and endpoints are in the bundle: STS answers and the keys are a role's."""
    done = run(bundle, bundle_env(home, moto.url), "creds", "side-project")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    values = dict(EXPORT.findall(done.stdout))
    assert values["AWS_ACCESS_KEY_ID"].startswith("ASIA"), done.stdout
    assert values["AWS_SESSION_TOKEN"]
    assert values["AWS_REGION"] == "eu-central-1"


def test_credential_process_through_the_m_form(bundle: Path, home: Path, moto: MotoServer) -> None:
    """``trayapp -m trayapp ...``: how trayapp writes its credential_process lines when frozen."""
    env = bundle_env(home, moto.url)
    done = run(bundle, env, "-m", "trayapp", "creds", "side-project", "--format", "credential-process")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["Version"] == 1
    assert answer["AccessKeyId"].startswith("ASIA")
    # Only trayapp's own modules run that way: the bundle is no general Python.
    other = run(bundle, env, "-m", "os")
    assert other.returncode == 2
    assert "trayapp's own modules only" in other.stderr


def test_exec_gives_the_role_and_the_users_library_path(
    bundle: Path, home: Path, moto: MotoServer
) -> None:
    """The child is the role, and sees the LD_LIBRARY_PATH the user had, not the bundle's."""
    env = {**bundle_env(home, moto.url), "LD_LIBRARY_PATH": USER_LIBRARY_PATH}
    script = f'printf "%s\\n" "${{LD_LIBRARY_PATH-unset}}"; exec {sys.executable} -c "{IDENTIFY}"'
    done = run(bundle, env, "exec", "side-project", "--", "sh", "-c", script)
    assert done.returncode == 0, done.stderr
    library_path, arn = done.stdout.splitlines()
    assert library_path == USER_LIBRARY_PATH
    assert arn.startswith("arn:aws:sts::444455556666:assumed-role/admin/"), arn


def test_the_bundle_started_by_the_bundle_loads_its_own_libraries(
    bundle: Path, home: Path, moto: MotoServer
) -> None:
    """A bundled helper (as the clipboard clear is) starts afresh rather than as our restarted child.

    The inner bundle runs ``config edit`` with an "editor" that lists where its parent, the inner
    bundle, loaded zlib from: the bundle's copy, as for any top-level start.
    """
    editor = home / "show_zlib.sh"
    editor.write_text('#!/bin/sh\ngrep -o "/[^ ]*/libz\\.so[^ ]*" /proc/$PPID/maps | sort -u\n')
    editor.chmod(0o755)
    env = {**bundle_env(home, moto.url), "VISUAL": str(editor)}
    done = run(bundle, env, "exec", "side-project", "--", str(bundle), "config", "edit")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [str(bundle.parent / "_internal" / "libz.so.1")], done.stdout


# --------------------------------------------------------------------------------------------
# the tray
# --------------------------------------------------------------------------------------------


def loaded_from(pid: int, library: str) -> set[str]:
    """The paths process ``pid`` mapped ``library`` (a file name prefix) from."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return {line.split()[-1] for line in maps.splitlines() if Path(line.split()[-1]).name.startswith(library)}


@pytest.mark.parametrize(
    ("backend", "library"),
    [("gtk", "libgtk-3.so"), ("appindicator", "libayatana-appindicator3.so")],
)
def test_bundled_tray_docks_opens_its_menu_and_quits(
    bundle: Path, home: Path, desktop: Desktop, backend: str, library: str
) -> None:
    env = {**bundle_env(home, closed_url()), "PYSTRAY_BACKEND": backend}
    tray = desktop.spawn([bundle, "tray", "--debug"], name="trayapp", env=env, cwd=home)
    try:
        icon = desktop.wait_for_tray_icon(tray.pid, timeout=20)
    except TimeoutError as exc:
        raise AssertionError(f"{exc}\ntray log:\n{desktop.log('trayapp')}") from None
    # The toolkit came from the bundle, not from the system.
    paths = loaded_from(tray.pid, library)
    assert paths and all(p.startswith(str(bundle.parent / "_internal")) for p in paths), paths
    # Pillow drew the mark: its dark slate fills the icon.
    assert desktop.count_color(images.BACKGROUND, icon) >= 200, desktop.colors(icon)
    desktop.screenshot("1-docked.png")

    desktop.click(*icon.center, button=3)
    menu = desktop.wait_for_menu()
    assert menu.height > 100, menu  # the whole menu, not an empty popup
    time.sleep(0.1)  # mapped; give GTK a moment to take the keyboard grab
    desktop.screenshot("2-menu.png")

    desktop.key("Up", "Return")  # from the top of the open menu, Up selects the last item: Quit
    assert tray.wait(timeout=10) == 0, desktop.log("trayapp")
    desktop.wait_for(lambda: not desktop.tray_icons(), message="the icon to leave the tray")
    log = desktop.log("trayapp")
    assert "Traceback" not in log, log
