#!/usr/bin/env bash
# A local origin to try Switchyard without an SRS at hand: Debian's nginx with libnginx-mod-rtmp
# (what the tests use, test/helpers/nginx-rtmp.ts) on loopback, in the foreground, in a scratch
# folder that is removed on exit. RTMP application `live`; HLS written for every stream and
# served over HTTP under /live/. nginx-rtmp has no HTTP-FLV: play FLV from an origin that has
# it (SRS, Node-Media-Server).
#
#   npm run origin:local             RTMP 127.0.0.1:1935, HLS http://127.0.0.1:8080/live/<stream>.m3u8
#   ORIGIN_RTMP_PORT=19350 ORIGIN_HTTP_PORT=18081 npm run origin:local
#
# It needs no root and starts no system service. Install the packages with
# `sudo apt-get install nginx libnginx-mod-rtmp` (or bash infra/install-test-deps.sh).
set -euo pipefail

rtmp_port="${ORIGIN_RTMP_PORT:-1935}"
http_port="${ORIGIN_HTTP_PORT:-8080}"
module=/usr/lib/nginx/modules/ngx_rtmp_module.so
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

if [ ! -x "$nginx_bin" ] || [ ! -f "$module" ]; then
  echo "needs nginx and its RTMP module: sudo apt-get install nginx libnginx-mod-rtmp" >&2
  exit 1
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/sy-local-origin.XXXXXX")"
mkdir -p "$dir/hls" "$dir/tmp"
cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log notice;
load_module $module;
events { worker_connections 1024; }
rtmp {
  server {
    listen 127.0.0.1:$rtmp_port;
    chunk_size 4096;
    application live {
      live on;
      record off;
      hls on;
      hls_path $dir/hls;
      hls_fragment 2s;
      hls_playlist_length 10s;
    }
  }
}
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$http_port;
    location /live/ {
      alias $dir/hls/;
      types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
      add_header Cache-Control no-cache;
      add_header Access-Control-Allow-Origin *;
    }
  }
}
EOF

"$nginx_bin" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" &
nginx_pid=$!
stop() {
  kill "$nginx_pid" 2>/dev/null || true
  wait "$nginx_pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 0' INT TERM

cat <<EOF
local origin (nginx-rtmp, pid $nginx_pid): RTMP 127.0.0.1:$rtmp_port, HLS http://127.0.0.1:$http_port/live/<stream>.m3u8
register it with a running Switchyard (what an SRS heartbeat does):
  curl -X POST localhost:12025/api/v1/srs/register -H 'content-type: application/json' \\
    -d '{"ip":"127.0.0.1","server":"local-nginx","service":"nginx-rtmp","pid":"$nginx_pid","rtmp":["$rtmp_port"],"http":["$http_port"]}'
Ctrl-C stops it.
EOF
wait "$nginx_pid"
