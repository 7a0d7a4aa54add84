#!/usr/bin/env bash
# The print queue the printing tests use: CUPS with the cups-pdf backend, queue "CounterPDF".
# Starts cupsd when it is not running and adds the queue when it is missing; needs root (or sudo).
set -euo pipefail
command -v cupsd >/dev/null || { echo "cupsd is not installed (scripts/system-deps.sh installs it)" >&2; exit 1; }
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
running() { lpstat -r 2>/dev/null | grep -q "is running"; }  # lpstat -r exits 0 either way
if ! running; then
  $sudo cupsd
  for _ in $(seq 50); do running && break; sleep 0.1; done
fi
if ! lpstat -p CounterPDF >/dev/null 2>&1; then
  $sudo lpadmin -p CounterPDF -v cups-pdf:/ -E -P /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd 2>/dev/null
fi
lpstat -p CounterPDF >/dev/null
