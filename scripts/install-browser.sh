#!/usr/bin/env bash
# Install headless Chromium and its WebDriver for the browser tests (tests/web/, Selenium), from Debian's
# packages `chromium` and `chromium-driver` (CI on Debian 12 as root). Called by scripts/test.sh and .ci/run.
# Safe to run again: with /usr/bin/chromium and /usr/bin/chromedriver there it exits at once. apt-get update
# runs only when the package lists do not know the packages or are too old to download them. Not root or no
# apt-get: it warns and exits 0, and the browser tests fail saying how to install them (they never skip).
set -euo pipefail

PACKAGES=(chromium chromium-driver)  # ~100 MB installed, with their libraries

warn() { echo "install-browser: $*" >&2; }

has_browser() {
  command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1
}

if has_browser; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  warn "chromium or chromedriver is missing and this is not root: skipping; the browser tests (tests/web) will fail"
  warn "to install them: sudo apt-get install ${PACKAGES[*]}"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  warn "chromium or chromedriver is missing and apt-get is missing: skipping; the browser tests will fail"
  exit 0
fi
warn "installing ${PACKAGES[*]} from the Debian packages (about 15 s)"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
apt_install() { apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" </dev/null >>"$log" 2>&1; }
known() { apt-cache show "${PACKAGES[@]}" >/dev/null 2>&1; }
# The lists may be empty (a fresh machine) or stale (the mirror dropped the version they name): update then.
if ! { known && apt_install; } && ! { apt-get update -qq </dev/null >>"$log" 2>&1 && apt_install; }; then
  tail -n 20 "$log" >&2
  warn "apt-get could not install ${PACKAGES[*]}: the browser tests will fail"
  exit 0
fi
if ! has_browser; then
  warn "installed ${PACKAGES[*]} but chromium or chromedriver is still not on PATH"
fi
