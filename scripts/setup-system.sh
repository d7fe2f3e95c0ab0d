#!/usr/bin/env bash
# Installs the Debian packages the Studio, the Space server and the tests need.
# Idempotent: installs only what is missing. Needs root (or passwordless sudo); without it,
# prints what is missing and exits non-zero so the caller can say so.
set -euo pipefail
PKGS=(janus janus-tools chromium espeak-ng sox libsox-fmt-mp3 iproute2 pulseaudio pulseaudio-utils pocketsphinx pocketsphinx-en-us gstreamer1.0-pocketsphinx gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad nginx coturn nftables libnss3-tools curl openssl ffmpeg python3-podcastparser fonts-dejavu-core redis-server)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "system packages: all present"; exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "system packages missing (${missing[*]}); run as root: apt-get install -y ${missing[*]}" >&2; exit 2
  fi
fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
# Debian's janus package starts a system service; we run our own instances only.
# The same for nginx and coturn: tests run their own, with configs rendered from deploy/.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now janus nginx coturn redis-server >/dev/null 2>&1 || true; fi
