#!/usr/bin/env bash
# Install the Debian packages trayapp and its tests need, only those missing (root or sudo).
set -euo pipefail
list="$(dirname "$0")/debian-packages.txt"
command -v apt-get >/dev/null || { echo "apt-get not found: install the packages in $list by hand" >&2; exit 0; }
mapfile -t wanted < <(grep -v '^\s*#' "$list" | grep -v '^\s*$')
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing Debian packages: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
