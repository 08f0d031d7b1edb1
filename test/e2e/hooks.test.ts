// SRS HTTP hooks and edge auth with real peers: Switchyard (`npm start`'s entry) with
// PROXY_HOOKS_URL pointing at a loopback hook server that denies `secret=bad`, Node-Media-Server
// and nginx-rtmp as origins, a loopback TCP listener registered as an origin that counts the
// connections it gets, ffmpeg as publisher and player.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { probeUntilAv, publishTestStream } from '../helpers/ffmpeg.ts';
import { type NginxOrigin, startNginxRtmp } from '../helpers/nginx-rtmp.ts';
import { type NmsOrigin, startNodeMediaServer } from '../helpers/node-media-server.ts';
import { freePort } from '../helpers/ports.ts';
import type { Child } from '../helpers/processes.ts';
import { originBody, register, type SwitchyardProcess, startSwitchyard, streamBoundTo } from '../helpers/switchyard.ts';

let hookServer: Server;
const hookCalls: Array<Record<string, unknown>> = [];
let counting: TcpServer;
let countingConnections = 0;
let nginx: NginxOrigin;
let nms: NmsOrigin;
let sy: SwitchyardProcess;
const children: Child[] = [];

before(async () => {
  const hookPort = await freePort();
  hookServer = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => {
      text += d;
    });
    req.on('end', () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      hookCalls.push(body);
      const denied = String(body.param ?? '').includes('secret=bad');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ code: denied ? 403 : 0 }));
    });
  }).listen(hookPort, '127.0.0.1');
  const countingPort = await freePort();
  counting = createTcpServer((socket) => {
    countingConnections++;
    socket.destroy();
  }).listen(countingPort, '127.0.0.1');
  [nginx, nms, sy] = await Promise.all([
    startNginxRtmp(),
    startNodeMediaServer(),
    startSwitchyard({ PROXY_HOOKS_URL: `http://127.0.0.1:${hookPort}/api/v1/hooks` }),
  ]);
  assert.equal((await register(sy.systemPort, originBody('counting', { rtmp: countingPort }))).status, 200);
});

after(async () => {
  await Promise.all(children.map((c) => c.stop()));
  await Promise.all([sy?.stop(), nginx?.stop(), nms?.stop()]);
  hookServer?.close();
  counting?.close();
});

const hook = (event: string, body: Record<string, unknown>) =>
  fetch(`http://127.0.0.1:${sy.systemPort}/api/v1/hooks/${event}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('hooks', () => {
  it('refuses a publish the hook URL denies at the edge: the origin never sees a connection', async () => {
    const publisher = publishTestStream(`rtmp://127.0.0.1:${sy.rtmpPort}/live/edge?secret=bad`, { seconds: 5 });
    children.push(publisher);
    const code = await publisher.exited;
    assert.notEqual(code, 0, 'ffmpeg was refused');
    assert.equal(countingConnections, 0);
    assert.ok(hookCalls.some((c) => c.action === 'on_publish' && c.stream === 'edge' && c.param === '?secret=bad'));
    assert.match(sy.process.output(), /"reason":"denied"/);
    // The same publish with a good secret is allowed and dialled (the counting origin hangs up).
    const good = publishTestStream(`rtmp://127.0.0.1:${sy.rtmpPort}/live/edge?secret=good`, { seconds: 5 });
    children.push(good);
    await good.exited;
    assert.ok(countingConnections >= 1, 'an allowed publish reaches the origin');
  });

  it('on_publish from an origin Switchyard never routed to makes players land there; on_unpublish unbinds', async () => {
    for (const body of [
      originBody('nginx', { rtmp: nginx.rtmpPort, http: nginx.httpPort }),
      originBody('nms', { rtmp: nms.rtmpPort, http: nms.httpPort }),
    ])
      assert.equal((await register(sy.systemPort, body)).status, 200);
    // Placement would send this stream to nginx; the publisher goes straight to NMS instead.
    const stream = await streamBoundTo(sy.systemPort, 'nginx', 'direct');
    const direct = publishTestStream(`rtmp://127.0.0.1:${nms.rtmpPort}/live/${stream}`, { seconds: 120 });
    children.push(direct);
    const srsBody = {
      server_id: 'nms',
      client_id: 'c1',
      ip: '127.0.0.1',
      vhost: '__defaultVhost__',
      app: 'live',
      stream,
    };
    const res = await hook('on_publish', { action: 'on_publish', ...srsBody, param: '' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { code: 0 });
    const played = await probeUntilAv(`rtmp://127.0.0.1:${sy.rtmpPort}/live/${stream}`);
    assert.deepEqual(played.codecs, ['aac', 'h264'], played.stderr);

    const route = async () => {
      const r = await fetch(`http://127.0.0.1:${sy.systemPort}/api/v1/routes`, {
        method: 'POST',
        body: JSON.stringify({ vhost: '__defaultVhost__', app: 'live', stream, proto: 'rtmp' }),
      });
      return ((await r.json()) as { backend: { id: string } }).backend.id;
    };
    assert.equal(await route(), 'nms');
    // An on_unpublish from another origin leaves the binding; from nms it drops it.
    assert.equal((await hook('on_unpublish', { action: 'on_unpublish', ...srsBody, server_id: 'nginx' })).status, 200);
    assert.equal(await route(), 'nms');
    assert.equal((await hook('on_unpublish', { action: 'on_unpublish', ...srsBody })).status, 200);
    assert.match(sy.process.output(), /"msg":"stream unpublished on origin"[^\n]*"dropped":true/);
    // A hook the operator's server denies is answered with a refusal SRS understands (non-200).
    const denied = await hook('on_publish', { action: 'on_publish', ...srsBody, param: '?secret=bad' });
    assert.equal(denied.status, 403);
  });
});
