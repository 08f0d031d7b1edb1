// Registration as an attacker tries it, over real sockets from several loopback source
// addresses: addresses outside PROXY_BACKEND_NETWORKS are refused, a live origin's slot cannot be
// taken from another address without the secret, and a full table answers 503 without evicting.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { MemoryStore } from '../../control/store/memory-store.ts';
import { createLogger } from '../../shared/log.ts';
import { testControl } from '../helpers/control-app.ts';
import { type InProcessNode, startInProcessNode } from '../helpers/in-process-node.ts';

function heartbeat(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { ip: '127.0.0.1', server: 'vid-real', service: 's1', pid: '1', rtmp: ['19350'], http: ['18081'], ...fields };
}

/** POSTs a registration from a chosen loopback source address. */
function register(port: number, from: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/api/v1/srs/register', method: 'POST', localAddress: from },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

let sy: InProcessNode;
before(async () => {
  sy = await startInProcessNode(createLogger('silent'));
});
after(() => sy.node.shutdown());

describe('registration rules', () => {
  it('refuses origins outside the backend networks, and host names', async () => {
    for (const ip of ['169.254.169.254', '8.8.8.8', 'localhost', 'metadata.google.internal', '0.0.0.0']) {
      const res = await register(sy.ports.system, '127.0.0.1', heartbeat({ ip, server: `vid-${ip}` }));
      assert.equal(res.status, 403, `${ip}: ${res.body}`);
    }
    const endpoint = await register(sy.ports.system, '127.0.0.1', heartbeat({ http: ['tcp://169.254.169.254:80'] }));
    assert.equal(endpoint.status, 403, endpoint.body);
  });

  it('keeps a live origin slot for its own address', async () => {
    assert.equal((await register(sy.ports.system, '127.0.0.2', heartbeat())).status, 200);
    const hijack = await register(sy.ports.system, '127.0.0.3', heartbeat({ ip: '127.0.0.3', rtmp: ['6666'] }));
    assert.equal(hijack.status, 409, hijack.body);
    assert.equal((await register(sy.ports.system, '127.0.0.2', heartbeat({ pid: '2' }))).status, 200);
    const view = (await (await fetch(`http://127.0.0.1:${sy.ports.system}/api/v1/servers/vid-real`)).json()) as {
      data: { server: { ip: string; pid: string; source: string; endpoints: { rtmp: Array<{ port: number }> } } };
    };
    assert.equal(view.data.server.ip, '127.0.0.1');
    assert.equal(view.data.server.pid, '2');
    assert.equal(view.data.server.source, '127.0.0.2');
    assert.equal(view.data.server.endpoints.rtmp[0]?.port, 19350);
  });
});

describe('registration table full', () => {
  it('answers 503 and keeps every live origin', async () => {
    const store = new MemoryStore({
      aliveMs: 300_000,
      streamTtlMs: 3_600_000,
      rtcSessionTtlMs: 120_000,
      maxBackends: 3,
    });
    const { app } = testControl({ store });
    const post = (server: string) =>
      app.request('/api/v1/srs/register', { method: 'POST', body: JSON.stringify(heartbeat({ server })) });
    for (const id of ['a', 'b', 'c']) assert.equal((await post(id)).status, 200);
    const full = await post('d');
    assert.equal(full.status, 503);
    assert.equal(((await full.json()) as { error: string }).error, 'unavailable');
    assert.equal((await post('a')).status, 200, 'a known origin still refreshes');
    assert.deepEqual((await store.listBackends()).map((b) => b.id).sort(), ['a', 'b', 'c']);
  });
});

describe('flood bounds on the system API', () => {
  it('rate-limits registration per source address while another source still registers', async () => {
    let limited = 0;
    let firstLimited = -1;
    for (let i = 0; i < 150; i++) {
      const res = await register(sy.ports.system, '127.0.0.7', heartbeat({ server: `vid-flood-${i}` }));
      if (res.status === 429) {
        limited++;
        if (firstLimited < 0) firstLimited = i;
      }
    }
    assert.ok(limited > 0, 'a flood from one address is limited');
    assert.ok(firstLimited >= 90, `the burst allowance held: first 429 at ${firstLimited}`);
    assert.equal((await register(sy.ports.system, '127.0.0.8', heartbeat({ server: 'vid-other' }))).status, 200);
  });

  it('rate-limits WebRTC offers per source on both player-facing HTTP ports', async () => {
    for (const port of [sy.ports.api, sy.ports.http]) {
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/rtc/v1/whep/?app=live&stream=flood${i}`, {
          method: 'POST',
          headers: { 'content-type': 'application/sdp' },
          body: 'v=0\r\n',
        });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      assert.ok(statuses.includes(429), `port ${port}: ${statuses.join(',')}`);
      // One bucket per source across both ports: the first port spends the burst allowance.
      if (port === sy.ports.api) assert.ok(statuses.indexOf(429) >= 25, `burst honoured: ${statuses.join(',')}`);
    }
  });

  it('pages the server list', async () => {
    const base = `http://127.0.0.1:${sy.ports.system}/api/v1/servers`;
    type Page = { data: { servers: Array<{ id: string }>; total: number; next?: string } };
    const first = (await (await fetch(`${base}?limit=5`)).json()) as Page;
    assert.equal(first.data.servers.length, 5);
    assert.ok(first.data.total > 5);
    assert.ok(first.data.next);
    const second = (await (await fetch(`${base}?limit=5&after=${first.data.next}`)).json()) as Page;
    assert.ok((second.data.servers[0]?.id ?? '') > (first.data.next ?? ''));
    assert.equal((await fetch(`${base}?limit=0`)).status, 400);
  });
});
