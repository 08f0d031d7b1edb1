// Debian's HAProxy in TCP mode (L4) in front of one origin port, on a free loopback port: the
// reference a byte pump is compared with in every benchmark (infra/install-bench-deps.sh).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/ports.ts';
import { type Child, startProcess, waitForTcp } from '../test/helpers/processes.ts';

export interface HaproxyRelay {
  port: number;
  process: Child;
  stop(): Promise<void>;
}

export async function startHaproxy(targetPort: number, threads = 1): Promise<HaproxyRelay> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-haproxy-'));
  const port = await freePort();
  const conf = `
global
  # 2 fds per connection: fits the 20000-fd limit benchmarks run with (bench/run.sh).
  maxconn 9000
  nbthread ${threads}
defaults
  mode tcp
  timeout connect 5s
  timeout client 120s
  timeout server 120s
frontend players
  bind 127.0.0.1:${port}
  default_backend origin
backend origin
  server origin 127.0.0.1:${targetPort}
`;
  writeFileSync(join(dir, 'haproxy.cfg'), conf);
  const proc = startProcess('/usr/sbin/haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')]);
  await waitForTcp(port, 10_000, proc);
  return {
    port,
    process: proc,
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
