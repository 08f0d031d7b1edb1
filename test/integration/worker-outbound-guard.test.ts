// The outbound guard is real: inside workerd, the fetch the control plane used to make (its
// origin's registered IP and port, shared/endpoint.ts originUrl) is refused as Cloudflare refuses
// it, ports a deployed Worker cannot dial are refused, and a custom https port lands on 443. And
// the Worker bundle, with an origin registered by IP and no node gateway, answers 503 without
// trying any fetch the platform would refuse.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Miniflare, type Request as MiniflareRequest } from 'miniflare';
import { originUrl } from '../../shared/endpoint.ts';
import { createOutboundGuard } from '../helpers/cf-outbound-guard.ts';
import { freePort } from '../helpers/ports.ts';
import { startUpstash, type UpstashFixture } from '../helpers/redis.ts';
import { guardOf, startWorker } from '../helpers/workerd.ts';

let target: Server;
let targetPort: number;
const hits: string[] = [];
let upstash: UpstashFixture;

before(async () => {
  targetPort = await freePort();
  target = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.end('#EXTM3U\n');
  });
  await new Promise<void>((r) => target.listen(targetPort, '127.0.0.1', r));
  upstash = await startUpstash();
});

after(async () => {
  target.closeAllConnections();
  await new Promise<void>((r) => target.close(() => r()));
  await upstash?.close();
});

describe('the outbound guard', () => {
  it('refuses IP hosts and ports a Worker cannot dial, and rewrites https ports to 443', async () => {
    const guard = createOutboundGuard();
    guard.map('origin.test', 8080, targetPort);
    guard.map('tls.test', 443, targetPort);
    const mf = new Miniflare({
      modules: true,
      compatibilityDate: '2026-04-01',
      script: `export default { async fetch(req) {
        const r = await fetch(new URL(req.url).searchParams.get('u'));
        return new Response(r.status + ' ' + (await r.text()));
      } }`,
      outboundService: (request: MiniflareRequest) => guard.handle(request as unknown as Request),
    });
    const through = async (u: string) => (await mf.dispatchFetch(`http://w/?u=${encodeURIComponent(u)}`)).text();
    try {
      // What the control plane built for an origin registered by IP before the edge reach existed.
      const direct = originUrl({ host: '127.0.0.1', port: targetPort }, '/live/cam.m3u8');
      assert.equal(await through(direct), '403 error code: 1003');
      assert.equal(await through(`http://[::1]:${targetPort}/live/cam.m3u8`), '403 error code: 1003');
      assert.match(await through(`http://origin.test:${targetPort}/live/cam.m3u8`), /^403 port not reachable/);
      assert.equal(hits.length, 0, 'no refused fetch reached the server');
      assert.equal(await through('http://origin.test:8080/live/cam.m3u8'), '200 #EXTM3U\n');
      // https://tls.test:8443 is dialled on 443, which the table maps; https://origin.test:8080 is
      // dialled on 443 too, where origin.test has nothing.
      assert.equal(await through('https://tls.test:8443/live/cam.m3u8'), '200 #EXTM3U\n');
      assert.equal(await through('https://origin.test:8080/live/cam.m3u8'), '530 error code: 1016');
      assert.equal(hits.length, 2);
      assert.equal(guard.refused.length, 4);
    } finally {
      await mf.dispose();
    }
  });
});

describe('the Worker with an IP-registered origin and no node gateway', () => {
  it('answers 503 naming what is missing, with no refused fetch', async () => {
    const worker = await startWorker({
      UPSTASH_REDIS_REST_URL: upstash.url,
      UPSTASH_REDIS_REST_TOKEN: upstash.token,
      PROXY_REDIS_KEY_PREFIX: `guard${Date.now().toString(36)}`,
      PROXY_LOG_LEVEL: 'silent',
    });
    try {
      const reg = await worker.dispatchFetch('http://sy.test/api/v1/srs/register', {
        method: 'POST',
        body: JSON.stringify({
          ip: '127.0.0.1',
          server: 'private-only',
          service: 's',
          pid: '1',
          rtmp: ['1935'],
          http: [String(targetPort)],
          api: [String(targetPort)],
        }),
      });
      assert.equal(reg.status, 200);
      await reg.arrayBuffer();
      const hls = await worker.dispatchFetch('http://sy.test/live/cam.m3u8');
      assert.equal(hls.status, 503);
      assert.match(((await hls.json()) as { message: string }).message, /no live data-plane node announced a gateway/);
      const whip = await worker.dispatchFetch('http://sy.test/rtc/v1/whip/?app=live&stream=cam', {
        method: 'POST',
        headers: { 'content-type': 'application/sdp' },
        body: 'v=0\r\na=ice-ufrag:abcd\r\n',
      });
      assert.equal(whip.status, 503);
      await whip.arrayBuffer();
      assert.deepEqual(guardOf(worker).refused, []);
      assert.equal(hits.length, 2, 'the origin was never fetched');
    } finally {
      await worker.dispose();
    }
  });
});
