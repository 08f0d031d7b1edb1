#!/usr/bin/env bash
# Installs the Debian packages the test suite talks to (real peers, not mocks):
#   ffmpeg/ffprobe (publisher, player), nginx + libnginx-mod-rtmp (RTMP/HLS origin),
#   redis-server (behind the Upstash REST server), srt-tools (SRT peer).
# As root it runs apt-get; otherwise it stops and prints the exact command to run.
set -euo pipefail

need=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v nginx >/dev/null 2>&1 || need+=(nginx)
ls /usr/lib/nginx/modules/ngx_rtmp_module.so >/dev/null 2>&1 || need+=(libnginx-mod-rtmp)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v srt-live-transmit >/dev/null 2>&1 || need+=(srt-tools)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing test dependencies: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # Debian starts the packaged services; the tests run their own instances on free ports.
  (service nginx stop || true; service redis-server stop || true) >/dev/null 2>&1
else
  echo "missing test dependencies. Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
