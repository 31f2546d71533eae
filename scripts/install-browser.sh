#!/usr/bin/env bash
# Install Debian's Chromium and ChromeDriver for the browser tests when missing.
# The tests skip with a reason when neither this script nor the machine provides them.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: chromium/chromedriver missing and cannot be installed here (needs root and apt-get);" \
    "the browser tests will be skipped" >&2
  exit 0
fi

echo "Installing chromium and chromium-driver for the browser tests"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq </dev/null
apt-get install -y -qq --no-install-recommends chromium chromium-driver </dev/null >/dev/null
