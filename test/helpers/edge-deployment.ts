// The edge deployment as it runs on Cloudflare, on loopback: the control plane bundle in workerd
// under Cloudflare's fetch rules (cf-outbound-guard.ts) with an Upstash store, and a data-plane
// node in its own process that announces a public gateway URL, `http://node-a.test:8080`, which
// the guard resolves to the node's HTTP port like DNS would.
import assert from 'node:assert/strict';
import type { Miniflare } from 'miniflare';
import { createOutboundGuard, type OutboundGuard } from './cf-outbound-guard.ts';
import { waitFor } from './processes.ts';
import { startUpstash, type UpstashFixture } from './redis.ts';
import { type SwitchyardProcess, startSwitchyard } from './switchyard.ts';
import { startWorker } from './workerd.ts';

export const EDGE_TOKEN = 'edge-control-token-1';
export const EDGE_SIGNING_KEY = 'edge-signing-key-0123456789';
export const NODE_GATEWAY = { name: 'node-a.test', port: 8080 };

export interface EdgeDeployment {
  worker: Miniflare;
  url: string;
  guard: OutboundGuard;
  node: SwitchyardProcess;
  register(body: Record<string, unknown>): Promise<void>;
  /** A stream name the Worker binds to `backendId` on `proto` (bindings are sticky). */
  streamOn(backendId: string, prefix: string, proto: 'api' | 'http'): Promise<string>;
  stop(): Promise<void>;
}

export async function startEdge(): Promise<EdgeDeployment> {
  const upstash: UpstashFixture = await startUpstash();
  const guard = createOutboundGuard();
  const worker = await startWorker(
    {
      UPSTASH_REDIS_REST_URL: upstash.url,
      UPSTASH_REDIS_REST_TOKEN: upstash.token,
      PROXY_REDIS_KEY_PREFIX: `edge${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`,
      PROXY_CONTROL_TOKEN: EDGE_TOKEN,
      PROXY_SIGNING_KEY: EDGE_SIGNING_KEY,
      PROXY_LOG_LEVEL: 'warn',
    },
    guard,
  );
  const url = (await worker.ready).origin;
  const node = await startSwitchyard({
    PROXY_CONTROL_URL: url,
    PROXY_CONTROL_TOKEN: EDGE_TOKEN,
    PROXY_SIGNING_KEY: EDGE_SIGNING_KEY,
    PROXY_WEBRTC_CANDIDATE: '127.0.0.1',
    PROXY_NODE_ID: 'node-a',
    PROXY_NODE_PUBLIC_URL: `http://${NODE_GATEWAY.name}:${NODE_GATEWAY.port}`,
  });
  guard.map(NODE_GATEWAY.name, NODE_GATEWAY.port, node.httpPort);
  const auth = { authorization: `Bearer ${EDGE_TOKEN}` };
  await waitFor(
    'the node announced its gateway',
    async () => {
      const res = await fetch(`${url}/api/v1/nodes`, { headers: auth });
      const body = (await res.json()) as { data: { nodes: Array<{ id: string; gatewayUrl?: string }> } };
      return body.data.nodes.some((n) => n.id === 'node-a' && n.gatewayUrl === 'http://node-a.test:8080');
    },
    15_000,
  );
  return {
    worker,
    url,
    guard,
    node,
    async register(body) {
      const res = await fetch(`${url}/api/v1/srs/register`, { method: 'POST', body: JSON.stringify(body) });
      assert.equal(res.status, 200, await res.text());
    },
    streamOn: (backendId, prefix, proto) =>
      waitFor(`a stream on ${backendId}`, async () => {
        for (let i = 0; i < 64; i++) {
          const stream = `${prefix}${i}`;
          const res = await fetch(`${url}/api/v1/routes`, {
            method: 'POST',
            headers: auth,
            body: JSON.stringify({ vhost: '__defaultVhost__', app: 'live', stream, proto }),
          });
          const body = (await res.json()) as { backend?: { id: string } };
          if (body.backend?.id === backendId) return stream;
        }
        return undefined;
      }),
    async stop() {
      await node.stop();
      await worker.dispose();
      await upstash.close();
    },
  };
}
