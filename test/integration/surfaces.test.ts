// Player-facing ports carry media, HLS, WHIP/WHEP and versions only: registration, routing,
// node announcements and operator views answer 404 there and work on the system API port.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../shared/log.ts';
import { type InProcessNode, startInProcessNode } from '../helpers/in-process-node.ts';

const heartbeat = JSON.stringify({
  ip: '127.0.0.1',
  server: 'vid-surface',
  service: 's1',
  pid: '1',
  rtmp: ['19350'],
  http: ['18081'],
  api: ['19851'],
});

const CONTROL_REQUESTS: Array<[string, string, string?]> = [
  ['POST', '/api/v1/srs/register', heartbeat],
  ['POST', '/api/v1/routes', '{"vhost":"__defaultVhost__","app":"live","stream":"a","proto":"rtmp"}'],
  ['GET', '/api/v1/servers'],
  ['GET', '/api/v1/servers/vid-surface'],
  ['POST', '/api/v1/nodes', '{"id":"evil","publicIp":"203.0.113.9","rtcPort":9}'],
  ['GET', '/api/v1/nodes'],
  ['GET', '/api/v1/rtc/sessions/a:b'],
];

let sy: InProcessNode;
before(async () => {
  sy = await startInProcessNode(createLogger('silent'));
});
after(() => sy.node.shutdown());

async function send(port: number, [method, path, body]: [string, string, string?]): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    body,
    headers: body ? { 'content-type': 'application/json' } : {},
  });
  await res.arrayBuffer();
  return res.status;
}

describe('surfaces', () => {
  it('player-facing HTTP ports answer no control or operator route', async () => {
    for (const port of [sy.ports.http, sy.ports.api]) {
      for (const request of CONTROL_REQUESTS) {
        assert.equal(await send(port, request), 404, `${request[0]} ${request[1]} on port ${port}`);
      }
    }
    // Nothing was registered through them.
    const servers = (await (await fetch(`http://127.0.0.1:${sy.ports.system}/api/v1/servers`)).json()) as {
      data: { servers: unknown[] };
    };
    assert.equal(servers.data.servers.length, 0);
  });

  it('the system API port serves them', async () => {
    assert.equal(await send(sy.ports.system, CONTROL_REQUESTS[0]!), 200);
    assert.equal(await send(sy.ports.system, CONTROL_REQUESTS[2]!), 200);
  });

  it('versions answers everywhere (health checks)', async () => {
    for (const port of [sy.ports.http, sy.ports.api, sy.ports.system]) {
      assert.equal(await send(port, ['GET', '/api/v1/versions']), 200);
    }
  });

  it('a player cannot make the proxy fetch an internal address (canary on loopback)', async () => {
    const hits: string[] = [];
    const canary = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('internal secret');
    });
    await new Promise<void>((resolve) => canary.listen(0, '127.0.0.5', resolve));
    const port = (canary.address() as AddressInfo).port;
    try {
      const fake = { ...JSON.parse(heartbeat), server: 'vid-canary', ip: '127.0.0.5', http: [String(port)] };
      // Registering it from a player port does nothing...
      for (const p of [sy.ports.http, sy.ports.api]) {
        assert.equal(await send(p, ['POST', '/api/v1/srs/register', JSON.stringify(fake)]), 404);
      }
      // ...and a made-up or unsigned marker reaches no backend, registered or not.
      for (const marker of ['vid-canary', 'vid-canary.AAAAAAAAAAAAAAAAAAAAAA', 'vid-surface']) {
        assert.equal(await send(sy.ports.http, ['GET', `/latest/meta-data/?sy_b=${marker}`]), 404);
      }
      // A backend registered on the system port is still reachable only through a signed playlist URI.
      assert.equal(await send(sy.ports.system, ['POST', '/api/v1/srs/register', JSON.stringify(fake)]), 200);
      assert.equal(await send(sy.ports.http, ['GET', '/api/v1/clients/?sy_b=vid-canary']), 404);
      assert.deepEqual(hits, []);
    } finally {
      canary.close();
    }
  });
});
