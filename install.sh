#!/usr/bin/env bash
# Install trayapp for this user (Debian/Ubuntu packages for the tray, a private venv,
# ~/.local/bin/trayapp) and start the tray. Safe to run again: it upgrades in place.
set -euo pipefail
cd "$(dirname "$0")"
bash packaging/apt-install.sh packaging/debian-packages.txt
prefix="${TRAYAPP_PREFIX:-$HOME/.local/share/trayapp}"
python=${PYTHON:-python3}
[ -x "$prefix/venv/bin/python" ] || "$python" -m venv "$prefix/venv"
"$prefix/venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade .
mkdir -p "$HOME/.local/bin"
ln -sf "$prefix/venv/bin/trayapp" "$HOME/.local/bin/trayapp"
echo "Installed: $HOME/.local/bin/trayapp ($("$prefix/venv/bin/trayapp" --version))"
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "No graphical session here: start the tray later with 'trayapp' (the command line works now)."
  exit 0
fi
nohup "$prefix/venv/bin/trayapp" tray >/dev/null 2>&1 &
echo "The trayapp icon is in your system tray. Add accounts with its 'Edit accounts…' item."
