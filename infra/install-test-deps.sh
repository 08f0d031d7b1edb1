#!/usr/bin/env bash
# Installs the Debian packages the test suite talks to (real peers, not mocks):
#   ffmpeg/ffprobe (publisher, player), nginx + libnginx-mod-rtmp (RTMP/HLS origin),
#   redis-server (behind the Upstash REST server), srt-tools (SRT peer), rtmpdump (librtmp player),
#   chromium (status page in a headless browser, driven by playwright-core), prometheus (promtool
#   parses /metrics), GStreamer's RTSP server under Debian's python3 (RTSP origin: python3-gi,
#   gir1.2-gst-rtsp-server-1.0, x264enc from plugins-ugly, voaacenc/rtpmp4gpay from bad/good).
# As root it runs apt-get; otherwise it stops and prints the exact command to run.
set -euo pipefail

need=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v nginx >/dev/null 2>&1 || need+=(nginx)
ls /usr/lib/nginx/modules/ngx_rtmp_module.so >/dev/null 2>&1 || need+=(libnginx-mod-rtmp)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v srt-live-transmit >/dev/null 2>&1 || need+=(srt-tools)
command -v rtmpdump >/dev/null 2>&1 || need+=(rtmpdump)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
# test/helpers/rtsp-origin.py runs under /usr/bin/python3 (a pyenv python lacks the gi bindings).
/usr/bin/python3 -c "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer" \
  >/dev/null 2>&1 || need+=(python3-gi gir1.2-gst-rtsp-server-1.0)
for plugin in videotestsrc:gstreamer1.0-plugins-base audiotestsrc:gstreamer1.0-plugins-base \
  x264enc:gstreamer1.0-plugins-ugly voaacenc:gstreamer1.0-plugins-bad rtph264pay:gstreamer1.0-plugins-good \
  rtpmp4gpay:gstreamer1.0-plugins-good; do
  command -v gst-inspect-1.0 >/dev/null 2>&1 && gst-inspect-1.0 "${plugin%%:*}" >/dev/null 2>&1 || need+=("${plugin#*:}")
done
command -v gst-inspect-1.0 >/dev/null 2>&1 || need+=(gstreamer1.0-tools)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "missing test dependencies. Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi

# One installer at a time on this machine: the policy file below is machine-wide.
exec 9>/run/lock/switchyard-test-deps.lock
flock 9

# Debian starts nginx and redis-server as soon as they are installed; the tests run their own
# instances on free ports and need no system service. Rather than stopping services afterwards
# (which would also stop ones the machine was already running), forbid starting any during the
# install: invoke-rc.d and deb-systemd-invoke skip every start while /usr/sbin/policy-rc.d exits
# 101. A policy file already present (container images ship one) is put back exactly as it was.
policy=/usr/sbin/policy-rc.d
saved=""
if [ -e "$policy" ]; then
  saved="$(mktemp)"
  cp -p "$policy" "$saved"
fi
restore_policy() {
  if [ -n "$saved" ]; then mv -f "$saved" "$policy"; else rm -f "$policy"; fi
}
trap restore_policy EXIT
printf '#!/bin/sh\n# written by switchyard infra/install-test-deps.sh for the length of one install\nexit 101\n' >"$policy"
chmod 755 "$policy"

echo "installing test dependencies: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update -qq
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
