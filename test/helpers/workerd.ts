// The control plane bundle running inside workerd (through miniflare), bound to a test Redis.
import { Miniflare } from 'miniflare';
import { bundlePath } from './bundle.ts';

export async function startWorker(bindings: Record<string, string>): Promise<Miniflare> {
  const mf = new Miniflare({
    modules: true,
    scriptPath: bundlePath('worker.js'),
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
