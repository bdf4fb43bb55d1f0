#!/usr/bin/env bash
# npm run bench:peers: Parley beside stock agents-js (bench/peers/main.ts) inside a test namespace
# of its own, after setup.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
bash scripts/setup.sh
exec bash scripts/in-netns.sh node --import tsx bench/peers/main.ts "$@"
