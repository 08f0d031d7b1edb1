// Keep-alive HTTP load for the HLS benchmarks: `clients` connections, each sending its next GET
// as soon as the previous response's body has been read. Counts responses, bytes and latency.
import { Agent, get } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  requests: number;
  failed: number;
  bytes: number;
  latenciesMs: number[];
}

/** Runs until `stop` resolves; `path()` names each request's path (it may change over time). */
export async function keepAliveLoad(
  port: number,
  clients: number,
  path: () => string,
  stop: Promise<unknown>,
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const result: LoadResult = { requests: 0, failed: 0, bytes: 0, latenciesMs: [] };
  let running = true;
  void stop.then(() => {
    running = false;
  });
  const once = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = get({ host: '127.0.0.1', port, path: path(), agent }, (res) => {
        let n = 0;
        res.on('data', (d: Buffer) => {
          n += d.length;
        });
        res.on('end', () => {
          if (res.statusCode === 200) {
            result.requests++;
            result.bytes += n;
            result.latenciesMs.push(performance.now() - t0);
          } else result.failed++;
          resolve();
        });
      });
      req.on('error', () => {
        result.failed++;
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (running) await once();
    }),
  );
  agent.destroy();
  return result;
}

/** The URI of the newest-but-one media segment in a playlist (the newest may still be written). */
export function recentSegment(playlist: string): string | undefined {
  const uris = playlist.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  return uris[Math.max(0, uris.length - 2)];
}
