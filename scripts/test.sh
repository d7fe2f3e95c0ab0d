#!/usr/bin/env bash
# The whole test suite, as CI runs it: setup, type-check, unit tests, then the media tests
# (real Janus, Chromium, espeak-ng) inside a private network namespace. Ends with one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent typecheck
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
status=0
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$reports/unit.json" || status=$?
bash scripts/in-netns.sh npx vitest run --project e2e --reporter=default --reporter=json --outputFile.json="$reports/e2e.json" || status=$?
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of process.argv.slice(1)) {
    if (!fs.existsSync(f)) { failed++; continue; }
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + (r.numTodoTests || 0);
    // A file that failed without a failing test (it did not load, a hook threw) counts as one failure.
    for (const file of r.testResults) if (file.status === "failed" && !file.assertionResults.some((a) => a.status === "failed")) failed++;
  }
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$reports/unit.json" "$reports/e2e.json"
exit $status
