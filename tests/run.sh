#!/usr/bin/env bash
# Install everything the tests need, then run lint, types and every test layer.
# Extra arguments go to pytest, e.g. tests/run.sh -k config
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/apt-install.sh packaging/debian-packages.txt tests/debian-packages.txt
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,package]'
# The AWS CLI pins its own botocore, so it lives in a venv of its own.
[ -x .venv-awscli/bin/aws ] || { "$python" -m venv .venv-awscli && .venv-awscli/bin/python -m pip install -q --disable-pip-version-check awscli; }
.venv/bin/ruff check trayapp tests packaging
.venv/bin/ruff format --check -q trayapp
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
