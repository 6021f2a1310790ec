#!/usr/bin/env bash
# One command for a fresh machine: installs what the project needs (Debian packages, npm packages),
# starts the system daemons the real components need, then runs the demo or every test.
#   bash scripts/setup.sh demo   # hub + terminal + virtual card + printer emulators; prints the URLs
#   bash scripts/setup.sh test   # every test (unit, integration against real components, e2e)
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-}"
case "$mode" in demo|test) ;; *) echo "使い方: bash scripts/setup.sh demo|test" >&2; exit 2 ;; esac

debs=(openssl util-linux chromium cups-ipp-utils dbus avahi-daemon pcscd vsmartcard-vpcd libpcsclite-dev pcsc-tools poppler-utils fonts-ipaexfont fonts-ipamj-mincho coturn postgresql)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_="sudo"
  echo "Debian パッケージを入れます: ${missing[*]}"
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

bash scripts/system-daemons.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund
fi

case "$mode" in
  demo) node scripts/ensure-node-abi.mjs && exec node bin/odekake.js demo ;;
  test) exec npm test ;;
esac
