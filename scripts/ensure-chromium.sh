#!/usr/bin/env bash
# Debian's Chromium and CJK fonts for the console's browser tests (test/browser/), driven by the npm
# package playwright-core: no browser is ever downloaded by npm or Playwright. Idempotent and quiet when
# both are installed; otherwise installs them with apt-get (root, or sudo when available).
set -euo pipefail

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'install ok installed' || packages+=(fonts-noto-cjk)
[ ${#packages[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
  echo "ensure-chromium: ${packages[*]} missing and not root (no sudo): browser tests will be skipped" >&2
  exit 0
fi
echo "ensure-chromium: installing ${packages[*]} (apt-get)"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
/usr/bin/chromium --version
