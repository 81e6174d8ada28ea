#!/usr/bin/env bash
# Install a CJK font so report charts can be drawn in Chinese (CI on Debian 12 as root).
# The charts find the font themselves (reports/fonts.py); without one they fall back to English labels.
# Safe to run again: it only installs what is missing. Not root or no apt-get: it warns and exits 0, and
# the Chinese chart tests skip (outside CI; with CI=true they fail, since the font is expected there).
set -euo pipefail

PACKAGE=${MT5BOT_CJK_FONT_PACKAGE:-fonts-wqy-microhei}  # ~5 MB; fonts-noto-cjk is ~60 MB

warn() { echo "install-fonts: $*" >&2; }

has_cjk_font() {
  # fc-list answers for every font directory; without fontconfig look in the Debian paths.
  if command -v fc-list >/dev/null 2>&1; then
    fc-list :lang=zh family 2>/dev/null | grep -q .
  else
    ls /usr/share/fonts/truetype/wqy/*.ttc /usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc >/dev/null 2>&1
  fi
}

if has_cjk_font; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  warn "no CJK font and this is not root: skipping; charts fall back to English labels"
  warn "to install one: sudo apt-get install $PACKAGE (or fonts-noto-cjk)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  warn "no CJK font and apt-get is missing: skipping; charts fall back to English labels"
  exit 0
fi
warn "installing $PACKAGE from the Debian packages"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$PACKAGE"; } </dev/null >&2; then
  warn "apt-get could not install $PACKAGE: skipping; charts fall back to English labels"
  exit 0
fi
