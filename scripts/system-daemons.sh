#!/usr/bin/env bash
# Starts the system daemons the real components need when no init system runs them:
# D-Bus and Avahi for ippeveprinter (DNS-SD), pcscd for the card reader (with the vpcd driver).
set -euo pipefail
sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_="sudo"

if ! pgrep -x dbus-daemon >/dev/null; then
  $sudo_ mkdir -p /run/dbus
  $sudo_ rm -f /run/dbus/pid
  $sudo_ dbus-daemon --system --fork
fi
if ! pgrep -x avahi-daemon >/dev/null; then
  $sudo_ avahi-daemon -D --no-drop-root 2>/dev/null || $sudo_ avahi-daemon -D
fi
# pcscd loads the vpcd driver from /etc/reader.conf.d/vpcd: readers "Virtual PCD 00 00" (TCP 35963)
# and "Virtual PCD 00 01" (35964), on all interfaces — test and demo machines only. Without -x it
# never exits on idle. Card tests run their own private pcscd (test/support/pcscd.ts), not this one.
if ! pgrep -x pcscd >/dev/null; then
  $sudo_ pcscd
fi
