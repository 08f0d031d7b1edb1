// A real nginx + libnginx-mod-rtmp origin on free loopback ports: RTMP live app `live`, writing
// HLS that its HTTP server serves under /live/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { type Child, startProcess, waitForTcp } from './processes.ts';

export interface NginxOrigin {
  rtmpPort: number;
  httpPort: number;
  dir: string;
  hlsDir: string;
  process: Child;
  stop(): Promise<void>;
}

export async function startNginxRtmp(
  options: {
    hlsFragmentSeconds?: number;
    /** worker_connections: benchmarks play thousands of players. */
    connections?: number;
  } = {},
): Promise<NginxOrigin> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-nginx-'));
  const hlsDir = join(dir, 'hls');
  mkdirSync(hlsDir);
  mkdirSync(join(dir, 'tmp'));
  const [rtmpPort, httpPort] = [await freePort(), await freePort()];
  const conf = `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
events { worker_connections ${options.connections ?? 4096}; }
rtmp {
  server {
    listen 127.0.0.1:${rtmpPort};
    chunk_size 4096;
    application live {
      live on;
      record off;
      hls on;
      hls_path ${hlsDir};
      hls_fragment ${options.hlsFragmentSeconds ?? 1}s;
      hls_playlist_length 10s;
    }
  }
}
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  server {
    listen 127.0.0.1:${httpPort};
    location /live/ {
      alias ${hlsDir}/;
      types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
      add_header Cache-Control no-cache;
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const proc = startProcess('nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')]);
  await waitForTcp(rtmpPort);
  await waitForTcp(httpPort);
  return {
    rtmpPort,
    httpPort,
    dir,
    hlsDir,
    process: proc,
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
