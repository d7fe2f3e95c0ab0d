#!/usr/bin/env bash
# Runs a command inside a private network namespace with loopback and one bridge, d0 (10.99.0.1/24).
# Janus never gathers ICE candidates on loopback (see docs/architecture.md), so media tests need a
# non-loopback interface; this one exists only inside the namespace, so no test traffic leaves it.
set -euo pipefail
if [ "${SPACES_NETNS:-}" = "1" ]; then exec "$@"; fi
UNSHARE=(unshare -n)
[ "$(id -u)" -eq 0 ] || UNSHARE=(unshare -r -n)
export SPACES_NETNS=1 SPACES_MEDIA_IP=10.99.0.1
exec "${UNSHARE[@]}" -- bash -c '
  set -e
  ip link set lo up
  ip link add d0 type bridge forward_delay 0
  ip addr add 10.99.0.1/24 dev d0
  # A port that is always up keeps the bridge'"'"'s carrier on while test machines unplug theirs.
  ip link add d0-keep type veth peer name d0-keep-peer
  ip link set d0-keep master d0 up
  ip link set d0-keep-peer up
  ip link set d0 up
  for _ in $(seq 1 40); do ip -br link show d0 | grep -q " UP " && break; sleep 0.05; done
  exec "$@"' bash "$@"
