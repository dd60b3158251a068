#!/usr/bin/env bash
# Install trayapp for this user (Debian/Ubuntu packages for the tray, a private venv,
# ~/.local/bin/trayapp, a launcher in the applications menu with its icon, AppStream metainfo)
# and start the tray. Safe to run again: it upgrades in place.
#   ./install.sh               install or upgrade
#   ./install.sh --uninstall   remove all of the above; your config, cache and AWS files stay
set -euo pipefail
cd "$(dirname "$0")"
prefix="${TRAYAPP_PREFIX:-$HOME/.local/share/trayapp}"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
bin="$HOME/.local/bin"
manifest="$prefix/installed-files"

uninstall() {
  if [ -f "$manifest" ]; then
    while IFS= read -r path; do
      [ -n "$path" ] && rm -f -- "$path"
    done <"$manifest"
  fi
  if [ -L "$bin/trayapp" ] && [ "$(readlink "$bin/trayapp")" = "$prefix/venv/bin/trayapp" ]; then
    rm -f -- "$bin/trayapp"
  fi
  # The start-at-login entry, only when trayapp wrote it (it carries trayapp's marker).
  autostart="${XDG_CONFIG_HOME:-$HOME/.config}/autostart/trayapp.desktop"
  if [ -f "$autostart" ] && grep -qx 'X-trayapp-Managed=true' "$autostart"; then
    rm -f -- "$autostart"
  fi
  rm -rf -- "$prefix"
  refresh_caches
  echo "Uninstalled trayapp. Your config, cache and AWS files are untouched."
}

refresh_caches() {
  if command -v gtk-update-icon-cache >/dev/null && [ -f "$data/icons/hicolor/index.theme" ]; then
    gtk-update-icon-cache -q -t "$data/icons/hicolor" 2>/dev/null || true
  fi
  if command -v update-desktop-database >/dev/null && [ -d "$data/applications" ]; then
    update-desktop-database -q "$data/applications" 2>/dev/null || true
  fi
}

if [ "${1:-}" = "--uninstall" ]; then
  uninstall
  exit 0
elif [ -n "${1:-}" ]; then
  echo "usage: $0 [--uninstall]" >&2
  exit 2
fi

bash packaging/apt-install.sh packaging/debian-packages.txt
python=${PYTHON:-python3}
[ -x "$prefix/venv/bin/python" ] || "$python" -m venv "$prefix/venv"
"$prefix/venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade .
mkdir -p "$bin"
ln -sf "$prefix/venv/bin/trayapp" "$bin/trayapp"

# The launcher (Exec names this install's trayapp), the icon at the hicolor theme's sizes so that
# Icon=trayapp resolves (the autostart entry uses it too), and the AppStream metainfo.
installed=()
launcher="$data/applications/io.github.trayapp.desktop"
mkdir -p "$data/applications" "$data/metainfo"
sed "s|^Exec=trayapp |Exec=\"$prefix/venv/bin/trayapp\" |" packaging/io.github.trayapp.desktop >"$launcher"
installed+=("$launcher")
cp packaging/io.github.trayapp.metainfo.xml "$data/metainfo/io.github.trayapp.metainfo.xml"
installed+=("$data/metainfo/io.github.trayapp.metainfo.xml")
while IFS= read -r icon; do
  installed+=("$icon")
done < <("$prefix/venv/bin/python" packaging/make_icons.py --hicolor "$data/icons/hicolor")
printf '%s\n' "${installed[@]}" >"$manifest"
refresh_caches

echo "Installed: $bin/trayapp ($("$prefix/venv/bin/trayapp" --version)), and trayapp in your applications menu"
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "No graphical session here: start the tray later with 'trayapp' (the command line works now)."
  exit 0
fi
nohup "$prefix/venv/bin/trayapp" tray >/dev/null 2>&1 &
echo "The trayapp icon is in your system tray. Add accounts with its 'Edit accounts…' item."
