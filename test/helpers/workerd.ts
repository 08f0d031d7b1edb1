// The control plane bundle running inside workerd (through miniflare), bound to a test Redis.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { Miniflare } from 'miniflare';

const WORKER_BUNDLE = new URL('../../dist/worker.js', import.meta.url).pathname;
let built = false;

/** Builds dist/worker.js once per test process with the project's own build script. */
export function buildWorker(): string {
  if (!built) {
    execFileSync(process.execPath, ['infra/build.mjs'], {
      cwd: new URL('../..', import.meta.url).pathname,
      stdio: 'pipe',
    });
    built = true;
  }
  if (!existsSync(WORKER_BUNDLE) || statSync(WORKER_BUNDLE).size === 0) throw new Error('worker bundle missing');
  return WORKER_BUNDLE;
}

export async function startWorker(bindings: Record<string, string>): Promise<Miniflare> {
  const mf = new Miniflare({
    modules: true,
    scriptPath: buildWorker(),
    compatibilityDate: '2026-04-01',
    // Every isolate of one deployment shares the signing key (a Worker refuses to run without one).
    // 192.0.2.0/24: the address SRS put in the captured heartbeat, besides the default networks.
    bindings: {
      PROXY_SIGNING_KEY: 'test-signing-key-0123456789',
      PROXY_BACKEND_NETWORKS: '127.0.0.0/8,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,::1/128,fc00::/7,192.0.2.0/24',
      ...bindings,
    },
    host: '127.0.0.1',
    port: 0,
  });
  await mf.ready;
  return mf;
}
