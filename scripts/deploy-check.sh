#!/usr/bin/env bash
# Checks a Spaces deployment from the outside, the way listeners meet it, and says what is wrong
# in plain words. Exit 0 when every check passes, 1 otherwise (2: bad usage).
#
#   scripts/deploy-check.sh --url https://spaces.example.com \
#     --turn turn.example.com --turn-secret "$SPACES_TURN_SECRET" [--turn-tls-port 443] \
#     [--janus ws://127.0.0.1:8188] [--ca /path/to/ca.pem]
#
# --ca trusts a private CA (a test or staging deployment); without it the system's CAs are used.
# --janus checks the Janus API too (run this on the Space server machine: Janus listens on loopback).
# Needs curl, openssl and turnutils_uclient (Debian: coturn-utils / coturn).
set -uo pipefail

URL="" TURN="" TURN_SECRET="${SPACES_TURN_SECRET:-}" TURN_PORT=3478 TURN_TLS_PORT=443 JANUS="" CA="" TIMEOUT=5
usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --url) URL=${2:-}; shift 2 ;;
    --turn) TURN=${2:-}; shift 2 ;;
    --turn-secret) TURN_SECRET=${2:-}; shift 2 ;;
    --turn-port) TURN_PORT=${2:-}; shift 2 ;;
    --turn-tls-port) TURN_TLS_PORT=${2:-}; shift 2 ;;
    --janus) JANUS=${2:-}; shift 2 ;;
    --ca) CA=${2:-}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "deploy-check: unknown option $1" >&2; usage ;;
  esac
done
[ -n "$URL" ] || usage
[[ $URL =~ ^https://([^/:]+)(:([0-9]+))?/?$ ]] || { echo "deploy-check: --url must be https://host[:port] (got $URL)" >&2; exit 2; }
HOST=${BASH_REMATCH[1]} PORT=${BASH_REMATCH[3]:-443}
URL="https://$HOST:$PORT"
[ -z "$CA" ] || [ -r "$CA" ] || { echo "deploy-check: cannot read the CA file $CA" >&2; exit 2; }

failures=0
ok() { printf '  ok    %s\n' "$*"; }
fail() { printf '  FAIL  %s\n' "$*"; failures=$((failures + 1)); }
CURL=(curl -sS --max-time "$TIMEOUT" ${CA:+--cacert "$CA"})
is_ip() { [[ $1 =~ ^[0-9.]+$ || $1 == *:* ]]; }
# openssl s_client: verify the chain and the name (or the IP) against the system's or the given CA.
s_client() { # host port
  local verify=(-verify_hostname "$1"); is_ip "$1" && verify=(-verify_ip "$1")
  timeout "$TIMEOUT" openssl s_client -connect "$1:$2" -servername "$1" -verify_return_error "${verify[@]}" ${CA:+-CAfile "$CA"} </dev/null 2>&1
}

# Plain words for curl's exit codes (man curl, "EXIT CODES").
curl_problem() { # code what
  case "$1" in
    6) echo "cannot resolve $HOST: check the DNS A/AAAA record" ;;
    7) echo "nothing accepts connections at $HOST:$PORT (nginx not running, or port $PORT closed in a firewall)" ;;
    28) echo "no answer from $HOST:$PORT within ${TIMEOUT}s (a firewall dropping packets, or the wrong address)" ;;
    35) echo "the TLS handshake with $HOST:$PORT failed (is it HTTPS at all? ssl_certificate set in nginx?)" ;;
    51|60) echo "the certificate of $HOST is not valid for it or not trusted: $2" ;;
    *) echo "curl failed with code $1: $2" ;;
  esac
}

echo "deploy-check: $URL"

# 1. TLS: a certificate the browser trusts, for this name, not about to expire.
if out=$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$URL/healthz" 2>&1); then
  tls=$(s_client "$HOST" "$PORT")
  end=$(openssl x509 -noout -enddate <<<"$tls" 2>/dev/null | cut -d= -f2)
  if openssl x509 -noout -checkend $((14 * 86400)) <<<"$tls" >/dev/null 2>&1; then ok "TLS: the certificate of $HOST is trusted and valid until $end"
  else fail "TLS: the certificate of $HOST expires within 14 days ($end): renew it (certbot renew)"; fi
  code=${out: -3}
  case "$code" in
    200) ok "HTTPS: the Space server answers through the proxy (/healthz)" ;;
    502|504) fail "HTTPS: the proxy is up but cannot reach the Space server (HTTP $code): is spaces-server running, and nginx's upstream its address?" ;;
    *) fail "HTTPS: /healthz answered HTTP $code instead of 200 (is this the Space server?)" ;;
  esac
else
  rc=$?
  fail "TLS: $(curl_problem "$rc" "$(tail -1 <<<"$out")")"
fi

# 2. The WebSocket upgrade at /ws (what nginx drops without the Upgrade/Connection headers).
ws_status() { # url origin
  # curl does not speak WebSocket: after "101" it waits for more, so it is cut short (the status is what counts).
  "${CURL[@]}" --max-time 2 --http1.1 -o /dev/null -w '%{http_code}' -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
    -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' -H "Origin: $2" "$1" 2>/dev/null
  return 0
}
code=$(ws_status "$URL/ws" "$URL")
case "$code" in
  101) ok "WebSocket: /ws upgrades through the proxy" ;;
  000) fail "WebSocket: no answer at $URL/ws" ;;
  400|426) fail "WebSocket: /ws answered HTTP $code: the proxy does not pass the upgrade (proxy_http_version 1.1 and the Upgrade/Connection headers in location = /ws)" ;;
  403) fail "WebSocket: /ws refused this site's own origin (HTTP 403): SPACES_PUBLIC_URL must be $URL, and nginx must pass Host" ;;
  *) fail "WebSocket: /ws answered HTTP $code instead of 101 Switching Protocols" ;;
esac

# 3. TURN: an allocation over UDP and TCP with credentials made from the shared secret (what every
#    client gets from the Space server), relaying packets; TLS on the TLS port with a valid certificate.
if [ -z "$TURN" ]; then
  fail "TURN: not checked (give --turn HOST): listeners behind strict NATs and firewalls need it"
elif [ -z "$TURN_SECRET" ]; then
  fail "TURN: not checked (give --turn-secret or SPACES_TURN_SECRET)"
else
  # Both at once: each run of turnutils_uclient takes about 5 s.
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  for proto in udp tcp; do
    flags=(-y -c -n 3 -p "$TURN_PORT"); [ "$proto" = tcp ] && flags+=(-t)
    timeout $((TIMEOUT * 2)) turnutils_uclient -W "$TURN_SECRET" -u deploy-check "${flags[@]}" "$TURN" >"$tmp/$proto" 2>&1 &
  done
  wait
  for proto in udp tcp; do
    out=$(cat "$tmp/$proto")
    recv=$(grep -o 'tot_recv_msgs=[0-9]*' <<<"$out" | tail -1 | cut -d= -f2)
    if [ "${recv:-0}" -gt 0 ]; then ok "TURN: an allocation over ${proto^^} at $TURN:$TURN_PORT relays packets"
    # The loop relays between two allocations on the relay's own address. The shipped config
    # refuses that peer (403 Forbidden IP: the relay is no way back into its own network), and
    # coturn says so only after it accepted the credentials and made both allocations: TURN works.
    elif grep -q '403 (Forbidden IP)' <<<"$out"; then
      ok "TURN: an allocation over ${proto^^} at $TURN:$TURN_PORT succeeds with credentials from the secret (relaying to the relay's own address is refused by its peer rules, as configured)"
    elif grep -q 'Cannot complete Allocation' <<<"$out"; then
      fail "TURN: $TURN:$TURN_PORT refused the credentials over ${proto^^}: coturn's static-auth-secret differs from SPACES_TURN_SECRET (or the clocks differ)"
    elif grep -qi 'refused\|Cannot connect' <<<"$out"; then
      fail "TURN: nothing answers at $TURN:$TURN_PORT over ${proto^^}: coturn is not running (systemctl status coturn), or port $TURN_PORT/${proto} is closed"
    else
      fail "TURN: no TURN answer from $TURN:$TURN_PORT over ${proto^^} (coturn down, or ${proto^^} $TURN_PORT blocked by a firewall)"
    fi
  done
  tls=$(s_client "$TURN" "$TURN_TLS_PORT"); rc=$?
  if [ $rc -eq 0 ]; then ok "TURN: TLS on $TURN:$TURN_TLS_PORT answers with a trusted certificate (for networks that allow only 443)"
  elif grep -qi 'connect:errno\|Connection refused' <<<"$tls"; then
    fail "TURN: nothing answers TLS at $TURN:$TURN_TLS_PORT: coturn is not running, or tls-listening-port is not $TURN_TLS_PORT"
  elif grep -qi 'verify' <<<"$tls"; then
    fail "TURN: the certificate on $TURN:$TURN_TLS_PORT is not trusted or not for $TURN ($(grep -i -m1 'verify error' <<<"$tls"))"
  else
    fail "TURN: no TLS at $TURN:$TURN_TLS_PORT ($(grep -v '^$' <<<"$tls" | tail -1))"
  fi
fi

# 4. Janus' API (on loopback, so only from the server machine itself).
if [ -n "$JANUS" ]; then
  if [[ $JANUS =~ ^ws://([^/:]+):([0-9]+)/?$ ]]; then
    jhost=${BASH_REMATCH[1]} jport=${BASH_REMATCH[2]} line=""
    # Janus' WebSocket transport must switch protocols for its own subprotocol.
    if exec 3<>"/dev/tcp/$jhost/$jport" 2>/dev/null; then
      printf 'GET / HTTP/1.1\r\nHost: %s:%s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: janus-protocol\r\n\r\n' "$jhost" "$jport" >&3
      IFS= read -r -t "$TIMEOUT" line <&3 || true
      exec 3>&-
    fi
    if [[ $line == *" 101 "* ]]; then ok "Janus: its WebSocket API at $JANUS answers"
    elif [ -z "$line" ]; then fail "Janus: nothing answers at $JANUS: is spaces-janus running (systemctl status spaces-janus), and JANUS_URL right?"
    else fail "Janus: $JANUS is not Janus' WebSocket API (it answered: ${line%$'\r'})"; fi
  else
    fail "Janus: --janus must be ws://host:port (got $JANUS)"
  fi
fi

if [ $failures -eq 0 ]; then echo "deploy-check: all checks passed"; exit 0; fi
echo "deploy-check: $failures problem(s) found"
exit 1
