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
if ! pgrep -x pcscd >/dev/null; then
  $sudo_ pcscd --auto-exit=0 2>/dev/null || $sudo_ pcscd
fi
