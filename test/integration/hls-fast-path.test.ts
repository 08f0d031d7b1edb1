// The Node HLS fast path (process/hls-fast-path.ts) against the public control app it runs ahead
// of: the same requests, hostile ones included, go to a server running only the app and to one
// running the fast path first, both in front of one real origin on loopback; status, headers,
// body, failure log lines and request metrics must be identical, and the fast path must really
// have answered the HLS ones.
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createControlApp } from '../../control/app.ts';
import type { ControlDeps } from '../../control/context.ts';
import { segmentMarker } from '../../control/hls/segment-marker.ts';
import { createControlMetrics } from '../../control/metrics/control-metrics.ts';
import { MemoryStore } from '../../control/store/memory-store.ts';
import { hlsFastPath, type NodeRequestHandler } from '../../process/hls-fast-path.ts';
import { listenHttp, type RunningServer } from '../../process/http-server.ts';
import { keepAliveOriginFetch } from '../../process/origin-fetch.ts';
import { createLogger } from '../../shared/log.ts';
import { MetricsRegistry } from '../../shared/metrics.ts';
import { postJson, TEST_NETWORKS, TEST_SIGNER } from '../helpers/control-app.ts';
import { originBody } from '../helpers/switchyard.ts';

const PLAYLIST =
  '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=AES-128,URI="k.key"\n#EXTINF:2.0,\nseg-1.ts\n#EXTINF:2.0,\nhttps://cdn.example/seg-2.ts\n';
const SEGMENT = Buffer.alloc(300_000, 0x47);
const mark = (path: string, backend = 'o1') => segmentMarker(TEST_SIGNER, backend, path);

let origin: Server;
let originPort = 0;
const originSeen: string[] = [];
let slowPlaylistRequests = 0;
/** Set when the origin's endless segment response closes (its reader went away). */
let endlessClosed: () => void = () => {};

function startOrigin(): Promise<void> {
  origin = createServer((req, res) => {
    const url = req.url ?? '/';
    originSeen.push(url);
    const leaky = { server: 'origin/1.0', 'set-cookie': 'sid=1', 'x-origin-ip': '127.0.0.1' };
    const path = url.split('?')[0];
    if (path === '/live/cam.m3u8' || path === '/live/hls/cam.m3u8') res.writeHead(200, leaky).end(PLAYLIST);
    else if (path === '/live/crlf.m3u8') res.writeHead(200).end(PLAYLIST.replaceAll('\n', '\r\n'));
    else if (path === '/live/moved.m3u8') res.writeHead(302, { location: '/live/hls/cam.m3u8?ctx=1' }).end();
    else if (path === '/live/away.m3u8') res.writeHead(302, { location: 'http://169.254.169.254/x' }).end();
    else if (path === '/live/loop.m3u8') res.writeHead(302, { location: '/live/loop.m3u8' }).end();
    else if (path === '/live/junk.m3u8') res.writeHead(200).end('<html>oops</html>');
    else if (path === '/live/big.m3u8') res.writeHead(200).end(`#EXTM3U\n${'#c\n'.repeat(1_500_000)}`);
    else if (path === '/live/slow.m3u8') {
      slowPlaylistRequests++;
      setTimeout(() => res.writeHead(200).end(`${PLAYLIST}#n:${slowPlaylistRequests}\n`), 150);
    } else if (path === '/live/seg-1.ts' || path === '/live/hls/seg-1.ts') {
      const common = {
        ...leaky,
        'content-type': 'video/mp2t',
        etag: '"s1"',
        'last-modified': 'Sat, 01 Jan 2000 00:00:00 GMT',
      };
      if (req.headers['if-none-match'] === '"s1"') res.writeHead(304, common).end();
      else if (req.headers.range === 'bytes=0-9') {
        res.writeHead(206, { ...common, 'content-range': `bytes 0-9/${SEGMENT.length}`, 'content-length': '10' });
        res.end(SEGMENT.subarray(0, 10));
      } else res.writeHead(200, { ...common, 'content-length': String(SEGMENT.length) }).end(SEGMENT);
    } else if (path === '/live/chunked.ts') {
      res.writeHead(200, { 'content-type': 'video/mp2t' });
      res.write(SEGMENT.subarray(0, 1000));
      setTimeout(() => res.end(SEGMENT.subarray(1000, 5000)), 10);
    } else if (path === '/live/endless.ts' || path === '/live/late.ts') {
      let timer: NodeJS.Timeout | undefined;
      const start = () => {
        res.writeHead(200, { 'content-type': 'video/mp2t' });
        timer = setInterval(() => res.write(SEGMENT.subarray(0, 1000)), 5);
      };
      const delay = setTimeout(start, path === '/live/late.ts' ? 200 : 0);
      res.once('close', () => {
        clearTimeout(delay);
        clearInterval(timer);
        endlessClosed();
      });
    } else if (path === '/live/fail.ts') res.writeHead(500).end('boom at 127.0.0.1');
    else res.writeHead(404).end('not here at 127.0.0.1');
  });
  return new Promise((resolve) =>
    origin.listen(0, '127.0.0.1', () => {
      originPort = (origin.address() as AddressInfo).port;
      resolve();
    }),
  );
}

interface Side {
  server: RunningServer;
  logs: string[];
  registry: MetricsRegistry;
}

const originFetch = keepAliveOriginFetch();
let plain: Side;
let fast: Side;
let taken = 0;

async function side(store: MemoryStore, withFastPath: boolean): Promise<Side> {
  const logs: string[] = [];
  const registry = new MetricsRegistry();
  const deps: ControlDeps = {
    store,
    logger: createLogger('warn', {}, (line) => logs.push(line)),
    metrics: createControlMetrics(registry),
    identity: { server: 'vid-test', service: 'svc', pid: '4242' },
    aliveMs: 300_000,
    signer: TEST_SIGNER,
    backendNetworks: TEST_NETWORKS,
    originFetch,
  };
  const app = createControlApp(deps, 'public');
  let direct: NodeRequestHandler | undefined;
  if (withFastPath) {
    const handler = hlsFastPath(app, originFetch.get);
    assert.ok(handler, 'a Node public app with private origin reach gets a fast path');
    direct = (req, res) => {
      const took = handler(req, res);
      if (took) taken++;
      return took;
    };
  }
  const server = await listenHttp((req, env) => app.fetch(req, env), { host: '127.0.0.1', port: 0 }, direct);
  return { server, logs, registry };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function send(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const { date: _date, ...rest } = res.headers;
        resolve({ status: res.statusCode ?? 0, headers: rest, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Request counters (the routing ones depend on which side bound a stream first). */
async function counted(s: Side): Promise<string[]> {
  const text = await s.registry.render();
  return text
    .split('\n')
    .filter((l) => /^switchyard_control_requests_total\{/.test(l))
    .sort();
}

/** Log lines without their timestamp. */
const logged = (s: Side) => s.logs.map((l) => ({ ...JSON.parse(l), t: undefined }));

before(async () => {
  await startOrigin();
  const store = new MemoryStore({ aliveMs: 300_000, streamTtlMs: 3_600_000, rtcSessionTtlMs: 120_000 });
  const system = createControlApp(
    {
      store,
      logger: createLogger('silent'),
      identity: { server: 'vid-test', service: 'svc', pid: '4242' },
      aliveMs: 300_000,
      signer: TEST_SIGNER,
      backendNetworks: TEST_NETWORKS,
    },
    'system',
  );
  const reg = await system.request(
    '/api/v1/srs/register',
    postJson(originBody('o1', { rtmp: 1935, http: originPort })),
  );
  assert.equal(reg.status, 200);
  [plain, fast] = await Promise.all([side(store, false), side(store, true)]);
});

after(async () => {
  await Promise.all([plain?.server.close(), fast?.server.close()]);
  originFetch.close();
  origin?.closeAllConnections();
  await new Promise((r) => origin?.close(r));
});

type Case = [method: string, path: string, headers?: Record<string, string>];

/** HLS requests the fast path answers. */
const HLS: Case[] = [
  ['GET', '/live/cam.m3u8'],
  ['HEAD', '/live/cam.m3u8'],
  ['GET', '/live/cam.m3u8?token=abc&vhost=x'],
  ['GET', '/live/cam.M3U8'],
  ['GET', '/live/crlf.m3u8', { range: 'bytes=0-', 'user-agent': 'probe/1' }],
  ['GET', '/live/moved.m3u8'],
  ['GET', '/live/away.m3u8'],
  ['GET', '/live/loop.m3u8'],
  ['GET', '/live/junk.m3u8'],
  ['GET', '/live/big.m3u8'],
  ['GET', '/live/gone.m3u8'],
  ['GET', '/nostream.m3u8'],
  ['GET', '/live/cam.m3u8', { origin: 'https://player.example' }],
  ['GET', `/live/seg-1.ts?sy_b=${mark('/live/seg-1.ts')}`],
  ['HEAD', `/live/seg-1.ts?sy_b=${mark('/live/seg-1.ts')}`],
  ['GET', `/live/seg-1.ts?x=1&sy_b=${mark('/live/seg-1.ts')}`, { range: 'bytes=0-9' }],
  ['GET', `/live/seg-1.ts?sy_b=${mark('/live/seg-1.ts')}`, { 'if-none-match': '"s1"' }],
  ['GET', `/live/chunked.ts?sy_b=${mark('/live/chunked.ts')}`],
  ['GET', `/live/fail.ts?sy_b=${mark('/live/fail.ts')}`],
  ['GET', `/live/k.key?sy_b=${mark('/live/k.key')}`],
  ['GET', `/live/seg-2.ts?sy_b=${mark('/live/seg-1.ts')}`],
  ['GET', '/live/seg-1.ts?sy_b=nope'],
  ['GET', `/live/seg-1.ts?sy_b=${mark('/live/seg-1.ts', 'ghost')}`],
  ['GET', `/live/sub.m3u8?sy_b=${mark('/live/hls/cam.m3u8')}`],
  ['GET', `/live/hls/cam.m3u8?sy_b=${mark('/live/hls/cam.m3u8')}`],
];

/** Requests it leaves to the app: other routes' paths, other methods, targets the adapter normalises. */
const DECLINED: Case[] = [
  ['GET', '/api/v1/versions?sy_b=x'],
  ['GET', '/players/rtc.html?sy_b=1'],
  ['GET', '/rtc/v1/resource/abc.m3u8'],
  ['GET', '/api/v1/streams/x.m3u8'],
  ['GET', '/live/../api/v1/clients.m3u8'],
  ['GET', '/live/c%61m.m3u8'],
  ['GET', '/live/cam.m3u8', { host: 'Proxy.Example' }],
  ['POST', '/live/cam.m3u8'],
  ['OPTIONS', '/live/cam.m3u8', { origin: 'https://player.example', 'access-control-request-method': 'GET' }],
  ['GET', '/live/cam.flv.json'],
];

describe('HLS fast path', () => {
  it('answers exactly as the public app does, and logs and counts the same', async () => {
    for (const [method, path, headers] of [...HLS, ...DECLINED]) {
      const before = taken;
      const a = await send(plain.server.port, method, path, headers);
      const b = await send(fast.server.port, method, path, headers);
      const label = `${method} ${path}`;
      assert.equal(b.status, a.status, label);
      assert.deepEqual(b.headers, a.headers, label);
      assert.ok(b.body.equals(a.body), `${label}: bodies differ`);
      const isHls = HLS.some(([m, p, h]) => m === method && p === path && h === headers);
      assert.equal(taken - before, isHls ? 1 : 0, `${label} ${isHls ? 'not taken' : 'taken'} by the fast path`);
      assert.ok(!b.body.includes(`127.0.0.1`), `${label} leaks the origin address`);
    }
    assert.deepEqual(logged(fast), logged(plain));
    assert.ok(fast.logs.length >= 10, 'the failing cases were logged');
    assert.deepEqual(await counted(fast), await counted(plain));
  });

  it('shares one origin request among players reloading a playlist at once, never a settled one', async () => {
    slowPlaylistRequests = 0;
    const bodies = await Promise.all(
      Array.from({ length: 5 }, () => send(fast.server.port, 'GET', '/live/slow.m3u8').then((r) => r.body.toString())),
    );
    assert.equal(slowPlaylistRequests, 1);
    assert.ok(bodies.every((b) => b === bodies[0] && b.includes('#n:1')));
    // The next reload is fetched afresh.
    const next = await send(fast.server.port, 'GET', '/live/slow.m3u8');
    assert.equal(slowPlaylistRequests, 2);
    assert.ok(next.body.toString().includes('#n:2'));
  });

  it('stops the origin transfer when the player goes away mid-segment', async () => {
    const originClosed = new Promise<void>((resolve) => {
      endlessClosed = resolve;
    });
    const path = `/live/endless.ts?sy_b=${mark('/live/endless.ts')}`;
    const req = request({ host: '127.0.0.1', port: fast.server.port, path, agent: false }, (res) => {
      res.once('data', () => req.destroy());
    });
    req.on('error', () => {});
    req.end();
    await originClosed;
    // A player that leaves before the origin answers ends the origin request too.
    const lateClosed = new Promise<void>((resolve) => {
      endlessClosed = resolve;
    });
    const late = request({
      host: '127.0.0.1',
      port: fast.server.port,
      path: `/live/late.ts?sy_b=${mark('/live/late.ts')}`,
      agent: false,
    });
    late.on('error', () => {});
    late.end();
    setTimeout(() => late.destroy(), 50);
    await lateClosed;
    // The proxy still serves the next player whole.
    const again = await send(fast.server.port, 'GET', `/live/chunked.ts?sy_b=${mark('/live/chunked.ts')}`);
    assert.equal(again.status, 200);
    assert.equal(again.body.length, 5000);
  });
});
