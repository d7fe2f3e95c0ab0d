#!/usr/bin/env bash
# Prepares a checkout: Debian packages (when root), npm packages, build. Idempotent and silent
# when everything is already there. Used by `npm start` and `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! bash scripts/setup-system.sh; then
  echo "warning: some system packages are missing (see above); Janus, Chromium and the media tests need them" >&2
fi

# npm packages: install when missing or when package-lock.json changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error </dev/null
fi

# LiveKit's server, for the second media engine (SPACES_MEDIA=livekit); skipped when present.
bash scripts/setup-livekit.sh || echo "warning: LiveKit's server could not be built; the Janus engine still works" >&2

npm run --silent build >/dev/null
echo "setup: ready"
