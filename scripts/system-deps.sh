#!/usr/bin/env bash
# Debian packages the tests and the printing path need: poppler (pdftotext, pdftoppm),
# zbar (zbarimg), CJK fonts for Qt, the libraries Qt loads offscreen, speech for the hall
# display, and chromium (headless, for the supervision page's browser test). Installs only what
# is missing; needs root (or sudo).
set -euo pipefail
need=()
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v zbarimg >/dev/null || need+=(zbar-tools)
command -v Xvfb >/dev/null || need+=(xvfb)
command -v cupsd >/dev/null || need+=(cups)
command -v chromium >/dev/null || need+=(chromium)
for pkg in fonts-wqy-microhei libpulse0 libxkbcommon0 libegl1 libgl1 libfontconfig1 libdbus-1-3 \
           libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
           libxcb-randr0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 speech-dispatcher printer-driver-cups-pdf libcups2; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "==> installing Debian packages: ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
