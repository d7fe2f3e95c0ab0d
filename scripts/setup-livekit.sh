#!/usr/bin/env bash
# Builds LiveKit's server (the second media engine, SPACES_MEDIA=livekit) once, into
# .tools/livekit/server, from its Go module. Idempotent: does nothing when the binary is there.
# Without Go it says how to get LiveKit and exits 0: the Janus engine (the default) needs none of it.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="v1.13.5" # its go.mod has no `replace` directive (go install refuses those); see docs/deploy.md
DEST="$PWD/.tools/livekit"
BIN="$DEST/server"
if [ -x "$BIN" ] && [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$VERSION" ]; then
  echo "livekit-server: present ($VERSION)"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
livekit-server: Go is not installed, so LiveKit's server was not built. The Janus engine (the
default) works without it. For SPACES_MEDIA=livekit either install Go (1.26+) and run
scripts/setup-livekit.sh again, put LiveKit's release binary (https://github.com/livekit/livekit/releases,
$VERSION) at $BIN, set LIVEKIT_SERVER_BIN to it, or use an external LiveKit (a LiveKit Cloud
project or your own cluster) with LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET.
MSG
  exit 0
fi
mkdir -p "$DEST"
echo "livekit-server: building $VERSION with $(go version | cut -d' ' -f3) (first build takes a few minutes)"
GOBIN="$DEST" CGO_ENABLED=0 go install "github.com/livekit/livekit-server/cmd/server@$VERSION"
echo "$VERSION" > "$DEST/VERSION"
echo "livekit-server: built $BIN"
