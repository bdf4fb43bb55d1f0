#!/usr/bin/env bash
# npm run load / npm run soak: the load runner (bench/load/main.ts) inside a test namespace of
# its own, after setup. With --url it drives a running deployment instead and starts nothing.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
bash scripts/setup.sh
if printf '%s\n' "$@" | grep -qx -- '--url'; then
  exec node --import tsx "bench/load/${PARLEY_LOAD_ENTRY:-main}.ts" "$@"
fi
exec bash scripts/in-netns.sh node --import tsx "bench/load/${PARLEY_LOAD_ENTRY:-main}.ts" "$@"
