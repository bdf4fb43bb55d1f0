#!/usr/bin/env bash
# Installs the Debian packages the stack and its tests use, only those that are missing.
source "$(dirname "$0")/lib.sh"

PKGS=(
  redis-server   # context store, LiveKit's message bus
  espeak-ng sox  # speech for the local Realtime stand-in and test callers; audio conversion
  iproute2       # network namespaces for the isolated stack
  procps         # pgrep/ps for the shutdown checks
  # LiveKit SIP is built with cgo against these; sipp is the test phone caller
  pkg-config libopus-dev libopusfile-dev libsoxr-dev sip-tester
  tshark         # captures what the phone caller heard, off the wire
)
PKGS+=(chromium)  # the web client's e2e test and the isolated run's caller (driven by playwright-core)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  need_root "installing ${missing[*]}"
  say "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
