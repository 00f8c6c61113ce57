#!/usr/bin/env bash
# CI: make sure headless Chromium is installed for tests/report_browser_test.ts (which spawns it to
# render the HTML report). Installs the Debian package `chromium` when it is missing; runs nothing
# else. .ci/run calls every .ci/extra_*.sh before the tests.
set -euo pipefail
for bin in "${CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$bin" ] && [ -x "$bin" ]; then
    echo "chromium: $bin"
    exit 0
  fi
done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium: missing, and apt-get is not available to install it" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq chromium >/dev/null
echo "chromium: installed $(/usr/bin/chromium --version 2>/dev/null || echo '(version unknown)')"
