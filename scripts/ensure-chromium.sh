#!/usr/bin/env bash
# Debian's Chromium and CJK fonts for the console's browser tests (test/browser/), driven by the npm
# package playwright-core: no browser is ever downloaded by npm or Playwright. Idempotent and quiet when
# both are installed; otherwise installs them with apt-get (root, or sudo when available). When another
# apt run holds apt's lock (unattended upgrades, a colleague's install), it waits for it, up to
# ENSURE_CHROMIUM_LOCK_WAIT seconds (600), instead of failing.
set -euo pipefail

chromium=${ENSURE_CHROMIUM_BIN:-/usr/bin/chromium}
lock_wait=${ENSURE_CHROMIUM_LOCK_WAIT:-600}
retry_pause=${ENSURE_CHROMIUM_RETRY_SECONDS:-5}

packages=()
[ -x "$chromium" ] || packages+=(chromium)
dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'install ok installed' || packages+=(fonts-noto-cjk)
[ ${#packages[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
  echo "ensure-chromium: ${packages[*]} missing and not root (no sudo): browser tests will be skipped" >&2
  exit 0
fi

# apt-get exits 100 when another apt run holds its lock. apt waits itself for DPkg::Lock::Timeout
# seconds; past that (or on an apt that does not wait for every lock), try again until lock_wait runs
# out. Any other failure is reported as it is.
apt_get() {
  local deadline=$((SECONDS + lock_wait)) err status
  err=$(mktemp)
  while :; do
    "${sudo[@]}" apt-get -o "DPkg::Lock::Timeout=$lock_wait" "$@" 2>"$err" && { cat "$err" >&2; rm -f "$err"; return 0; }
    status=$?
    if [ "$status" -eq 100 ] && grep -qiE 'could not (get|open) lock|unable to (acquire|lock)|another process' "$err" && [ "$SECONDS" -lt "$deadline" ]; then
      echo "ensure-chromium: another apt run holds the lock: waiting" >&2
      sleep "$retry_pause"
      continue
    fi
    cat "$err" >&2
    rm -f "$err"
    return "$status"
  done
}

echo "ensure-chromium: installing ${packages[*]} (apt-get)"
export DEBIAN_FRONTEND=noninteractive
apt_get update -qq
apt_get install -y -qq "${packages[@]}" >/dev/null
"$chromium" --version
