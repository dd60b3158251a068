#!/usr/bin/env bash
# Install the Debian packages named in the given list files, only those missing (root or sudo).
set -euo pipefail
command -v apt-get >/dev/null || { echo "apt-get not found: install the packages in $* by hand" >&2; exit 0; }
missing=()
for pkg in $(cat "$@" | grep -v '^\s*#' | grep -v '^\s*$'); do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing Debian packages: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
