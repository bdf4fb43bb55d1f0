#!/usr/bin/env bash
# The run command (README): the whole stack on embedded defaults.
#   npm start                 host network: for a person on this machine (browser at localhost)
#   npm start -- --isolated   everything inside a private network namespace (machines with no
#                             usable network, like CI machines); nothing leaves the machine
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
bash scripts/setup.sh
if [ "${1:-}" = "--isolated" ]; then
  shift
  exec bash scripts/in-netns.sh node --import tsx scripts/run-stack.ts --isolated "$@"
fi
exec node --import tsx scripts/run-stack.ts "$@"
