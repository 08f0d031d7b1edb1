// The Node control plane's origin client (process/origin-fetch.ts) against a real HTTP server on
// loopback: answers as fetch would, reuses one connection, and honours abort and manual redirects.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { keepAliveOriginFetch } from '../../process/origin-fetch.ts';

let server: Server;
let base: string;
let connections = 0;
const originFetch = keepAliveOriginFetch();

before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/slow') return; // never answers
    if (req.url === '/moved') {
      res.writeHead(302, { location: '/elsewhere' }).end();
      return;
    }
    let body = '';
    req.on('data', (d: Buffer) => (body += d));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-seen-range': req.headers.range ?? '' });
      res.end(`${req.method} ${req.url} ${body}`);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  originFetch.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('keep-alive origin fetch', () => {
  it('sends method, headers and body, and answers a Response', async () => {
    const res = await originFetch(`${base}/a.m3u8?x=1`, { redirect: 'manual', headers: { range: 'bytes=0-' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-seen-range'), 'bytes=0-');
    assert.equal(await res.text(), 'GET /a.m3u8?x=1 ');
    const post = await originFetch(`${base}/rtc`, { method: 'POST', body: 'v=0', redirect: 'manual' });
    assert.equal(await post.text(), 'POST /rtc v=0');
    const head = await originFetch(`${base}/a.ts`, { method: 'HEAD', redirect: 'manual' });
    assert.equal(head.status, 200);
    assert.equal(head.body, null);
  });

  it('reuses one connection for requests one after another', async () => {
    const before = connections;
    for (let i = 0; i < 20; i++) await (await originFetch(`${base}/seg-${i}.ts`, { redirect: 'manual' })).text();
    assert.ok(connections - before <= 1, `${connections - before} connections for 20 requests`);
  });

  it('leaves redirects to the caller and stops at the abort signal', async () => {
    const moved = await originFetch(`${base}/moved`, { redirect: 'manual' });
    assert.equal(moved.status, 302);
    assert.equal(moved.headers.get('location'), '/elsewhere');
    await moved.body?.cancel();
    const started = Date.now();
    await assert.rejects(originFetch(`${base}/slow`, { redirect: 'manual', signal: AbortSignal.timeout(200) }));
    assert.ok(Date.now() - started < 2000);
  });
});
