#!/usr/bin/env bash
# Fills a deploy/ template: every {{NAME}} is replaced by the value given as NAME=value.
# Refuses to write a file with a placeholder left over (a half-filled config fails in odd ways).
#   deploy/render.sh deploy/nginx/spaces.conf DOMAIN=spaces.example.com ... > /etc/nginx/sites-available/spaces
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 TEMPLATE NAME=value..." >&2; exit 2; }
template=$1; shift
text=$(cat "$template")
for pair in "$@"; do
  name=${pair%%=*}; value=${pair#*=}
  [[ $name =~ ^[A-Z_][A-Z0-9_]*$ ]] || { echo "$0: bad name '$name'" >&2; exit 2; }
  text=${text//"{{$name}}"/$value}
done
if left=$(grep -o '{{[A-Z_0-9]*}}' <<<"$text" | sort -u | tr '\n' ' ') && [ -n "$left" ]; then
  echo "$0: $template still needs: $left" >&2; exit 1
fi
printf '%s\n' "$text"
