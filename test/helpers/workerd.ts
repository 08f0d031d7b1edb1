// The control plane bundle running inside workerd (through miniflare), bound to a test Redis.
// Every Worker here runs under Cloudflare's production fetch rules (cf-outbound-guard.ts): the
// test Upstash is reached as `https://upstash.test`, as a real Upstash host name would be.
import { Miniflare, type Request as MiniflareRequest } from 'miniflare';
import { bundlePath } from './bundle.ts';
import { createOutboundGuard, type OutboundGuard } from './cf-outbound-guard.ts';

const guards = new WeakMap<Miniflare, OutboundGuard>();

/** The outbound guard of a Worker started by startWorker. */
export function guardOf(mf: Miniflare): OutboundGuard {
  const guard = guards.get(mf);
  if (!guard) throw new Error('not a Worker from startWorker');
  return guard;
}

export async function startWorker(
  bindings: Record<string, string>,
  guard: OutboundGuard = createOutboundGuard(),
): Promise<Miniflare> {
  const env = { ...bindings };
  const upstash = env.UPSTASH_REDIS_REST_URL ? new URL(env.UPSTASH_REDIS_REST_URL) : undefined;
  if (upstash && (upstash.hostname === '127.0.0.1' || upstash.hostname === 'localhost')) {
    guard.map('upstash.test', 443, Number(upstash.port));
    env.UPSTASH_REDIS_REST_URL = 'https://upstash.test';
  }
  const mf = new Miniflare({
    modules: true,
    scriptPath: bundlePath('worker.js'),
    compatibilityDate: '2026-04-01',
    // Every isolate of one deployment shares the signing key (a Worker refuses to run without one).
    // 192.0.2.0/24: the address SRS put in the captured heartbeat, besides the default networks.
    bindings: {
      PROXY_SIGNING_KEY: 'test-signing-key-0123456789',
      PROXY_BACKEND_NETWORKS: '127.0.0.0/8,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,::1/128,fc00::/7,192.0.2.0/24',
      ...env,
    },
    outboundService: (request: MiniflareRequest) => guard.handle(request as unknown as Request),
    host: '127.0.0.1',
    port: 0,
  });
  await mf.ready;
  guards.set(mf, guard);
  return mf;
}
