#!/usr/bin/env bash
# Installs everything the stack and the tests need, skipping what is already there:
# Debian packages, npm packages, the pinned LiveKit Go tools, and the TEN VAD model.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/install-system.sh

command -v node >/dev/null || die "Node.js 20 is needed"
# npm ci only when node_modules is missing or older than the lockfile
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi
# our patches of dependencies (patches/; npm ci applies them too): a patch added since the last
# install still gets applied, one already applied is left as it is
npx --no-install patch-package --error-on-fail >/dev/null

bash scripts/install-tools.sh
bash scripts/fetch-model.sh

say "building the web client"
npx vite build web-client --logLevel warn

# The worker runs compiled JavaScript (tsconfig.build.json): job processes start faster and smaller.
say "building the worker"
rm -f dist/agent/.built
npx tsc -p tsconfig.build.json
date +%s000 > dist/agent/.built
