// A real Node-Media-Server origin (RTMP + HTTP-FLV) on free loopback ports, as a child process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './ports.ts';
import { type Child, startProcess, waitForTcp } from './processes.ts';

export interface NmsOrigin {
  rtmpPort: number;
  httpPort: number;
  process: Child;
  stop(): Promise<void>;
}

export async function startNodeMediaServer(): Promise<NmsOrigin> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-nms-'));
  const [rtmpPort, httpPort] = [await freePort(), await freePort()];
  const config = {
    bind: '127.0.0.1',
    notify: { url: '' },
    store: { path: join(dir, 'data'), maxHistory: 100 },
    auth: { play: false, publish: false, secret: '' },
    rtmp: { port: rtmpPort },
    http: { port: httpPort },
    webadmin: { enable: false },
    record: { auto: false, path: join(dir, 'record') },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const pkg = createRequire(import.meta.url).resolve('node-media-server/package.json');
  const app = join(dirname(pkg), 'bin', 'app.js');
  const proc = startProcess(process.execPath, [app, '-c', join(dir, 'config.json'), '--no-admin'], { cwd: dir });
  await waitForTcp(rtmpPort);
  await waitForTcp(httpPort);
  return {
    rtmpPort,
    httpPort,
    process: proc,
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
