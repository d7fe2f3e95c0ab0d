#!/usr/bin/env bash
# The main job: set up, start the Space server (with its own Janus) and the Studio.
# The Studio opens as a desktop window where Electron can run; elsewhere (headless, CI, no
# Electron download) it is served to a browser at a printed loopback URL with a one-time token.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export SPACES_PORT="${SPACES_PORT:-8080}"
SERVER_URL="http://${SPACES_HOST:-127.0.0.1}:${SPACES_PORT}"
export STUDIO_SERVER_URL="${STUDIO_SERVER_URL:-$SERVER_URL}"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

if [ -z "${JANUS_URL:-}" ] && ! command -v "${JANUS_BINARY:-janus}" >/dev/null; then
  echo "Janus is not installed (run as root once, or: apt-get install janus), or set JANUS_URL to an external Janus" >&2
  exit 1
fi
node out/server/main.js &
pids+=($!)
for _ in $(seq 1 100); do
  node -e "fetch('$SERVER_URL/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" && break
  kill -0 "${pids[0]}" 2>/dev/null || { echo "the Space server did not start" >&2; exit 1; }
  sleep 0.2
done

electron_ready() {
  [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "$(uname)" != "Linux" ] || { echo "no display"; return 1; }
  local bin
  bin=$(node -e "const p=require('path'),f=require('fs');const d=p.dirname(require.resolve('electron/package.json'));const t=p.join(d,'path.txt');process.stdout.write(f.existsSync(t)?p.join(d,'dist',f.readFileSync(t,'utf8')):'')" 2>/dev/null)
  if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    timeout 180 node node_modules/electron/install.js >/dev/null 2>&1 || { echo "the Electron binary could not be downloaded"; return 1; }
  fi
}

if [ "${STUDIO_MODE:-auto}" != "browser" ] && reason=$(electron_ready); then
  echo "Starting the Studio (desktop window); Space server at $SERVER_URL"
  npx electron . &
  pids+=($!)
else
  echo "The Studio cannot open a desktop window here (${reason:-browser mode requested}); serving it to a browser instead."
  npx tsx src/main/headless.ts &
  pids+=($!)
fi
echo "Listeners open $SERVER_URL/s/<space id> (the Studio shows the link). Ctrl-C stops everything."
wait -n "${pids[@]}"
