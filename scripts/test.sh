#!/usr/bin/env bash
# The whole test suite, as CI runs it: setup, type-check, unit tests, then the media tests
# (real Janus, Chromium, espeak-ng) inside a private network namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent typecheck
npx vitest run --project unit
bash scripts/in-netns.sh npx vitest run --project e2e
