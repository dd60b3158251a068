"""The tray's header names the primary IAM user, asked of STS (moto) when the config has no label."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.fakeenv import Fakes
from support.servers import AwsEnv

from trayapp.app import App
from trayapp.core.cache import MemoryCache
from trayapp.core.model import Config
from trayapp.core.state import StateStore
from trayapp.tray.controller import TrayController

pytestmark = pytest.mark.aws


def controller(tmp_path: Path, text: str) -> TrayController:
    path = tmp_path / "config.toml"
    path.write_text(text)
    store = StateStore(tmp_path / "state.json")
    env = Fakes().env(os.environ)

    def make_app(config: Config) -> App:
        return App(config, lambda *_: None, env, cache=MemoryCache(), store=store)

    return TrayController(path, make_app, env)


def test_header_names_the_iam_user_and_account(aws_env: AwsEnv, tmp_path: Path) -> None:
    tray = controller(tmp_path, "[primary]\n")
    assert tray.menu()[0].label == "trayapp · primary"
    tray.learn_identity()
    assert tray.menu()[0].label == "trayapp · moto @ 1234-5678-9012"  # moto's user for any AKIA key
    assert tray.tooltip() == "trayapp: primary session (moto @ 1234-5678-9012)"


def test_a_label_wins_and_no_keys_keep_the_plain_header(aws_env: AwsEnv, tmp_path: Path) -> None:
    labelled = controller(tmp_path, '[primary]\nlabel = "george"\n')
    labelled.learn_identity()
    assert labelled.menu()[0].label == "trayapp · george"
    aws_env.credentials_file.unlink()  # a switch-role-only user: no keys on this machine
    keyless = controller(tmp_path, "[primary]\n")
    keyless.learn_identity()
    assert keyless.menu()[0].label == "trayapp · primary"
