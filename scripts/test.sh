#!/usr/bin/env bash
# The project's test command (README, .ci/run): installs what is missing, then runs every test
# inside a network namespace of its own (see netns.sh), which it deletes afterwards.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh

say "typecheck"
npm run -s typecheck
say "format and lint (npm run format writes the fixes)"
npm run -s lint

NS="parley-test-$$"
NODE_IP=$(bash scripts/netns.sh up "$NS")
cleanup() {
  bash scripts/netns.sh down "$NS"
  if ip netns list | grep -qw "$NS"; then echo "namespace $NS was left behind" >&2; exit 1; fi
}
trap cleanup EXIT
say "namespace $NS, node address $NODE_IP"

mkdir -p out
rc=0
run() { # run NAME VITEST_ARGS...: one vitest run inside the namespace, with a JSON summary
  local name=$1; shift
  ip netns exec "$NS" env PARLEY_NODE_IP="$NODE_IP" npx vitest run "$@" \
    --reporter=default --reporter=json --outputFile.json="out/vitest-$name.json" || rc=1
}
run unit
run integration --config vitest.integration.config.ts

# one closing line for CI, summed over both runs
node -e '
  const fs = require("fs"); let p = 0, f = 0, s = 0;
  for (const n of ["unit", "integration"]) {
    try { const j = JSON.parse(fs.readFileSync(`out/vitest-${n}.json`, "utf8"));
      p += j.numPassedTests; f += j.numFailedTests; s += j.numPendingTests + (j.numTodoTests ?? 0);
    } catch { f += 1; console.error(`no results from the ${n} run`); }
  }
  console.log(`${p} passed, ${f} failed, ${s} skipped`);
  if (p === 0) process.exitCode = 1;
' || rc=1
exit $rc
