// The control plane bundle running inside workerd (through miniflare), bound to a test Redis.
import { Miniflare } from 'miniflare';
import { bundlePath } from './bundle.ts';

export async function startWorker(bindings: Record<string, string>): Promise<Miniflare> {
  const mf = new Miniflare({
    modules: true,
    scriptPath: bundlePath('worker.js'),
    compatibilityDate: '2026-04-01',
    bindings,
    host: '127.0.0.1',
    port: 0,
  });
  await mf.ready;
  return mf;
}
