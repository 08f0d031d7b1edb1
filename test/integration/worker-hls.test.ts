// HLS on the control plane inside workerd under Cloudflare's production fetch rules (the outbound
// guard): an origin registered by loopback IP is reached through the data-plane node's gateway,
// one registered with a public name directly; ffprobe plays both through the Worker and every
// segment is byte-identical to what the nginx-rtmp origin wrote.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeGatewayTicket, GATEWAY_HEADER, GATEWAY_PREFIX } from '../../shared/gateway-ticket.ts';
import { Signer } from '../../shared/signer.ts';
import { EDGE_SIGNING_KEY, type EdgeDeployment, startEdge } from '../helpers/edge-deployment.ts';
import { probeUntilAv, publishTestStream } from '../helpers/ffmpeg.ts';
import { type NginxOrigin, startNginxRtmp } from '../helpers/nginx-rtmp.ts';
import { type Child, waitFor } from '../helpers/processes.ts';

let edge: EdgeDeployment;
let nginx: NginxOrigin;
const publishers: Child[] = [];
const streams = { viaNode: '', direct: '' };
/** The origin's HTTP port under a public name (a Cloudflare Tunnel hostname in production). */
const ORIGIN_NAME = { name: 'origin-hls.test', port: 8880 };

async function segmentsReady(stream: string): Promise<void> {
  await waitFor(
    `HLS segments of ${stream}`,
    async () => {
      const r = await fetch(`http://127.0.0.1:${nginx.httpPort}/live/${stream}.m3u8`);
      return r.status === 200 && (await r.text()).split('\n').filter((l) => l.endsWith('.ts')).length >= 3;
    },
    30_000,
  );
}

before(async () => {
  [edge, nginx] = await Promise.all([startEdge(), startNginxRtmp()]);
  const ports = { rtmp: [String(nginx.rtmpPort)], http: [String(nginx.httpPort)] };
  // The same nginx twice: once by IP only, once with a public name for its HTTP port.
  await edge.register({ ip: '127.0.0.1', server: 'by-ip', service: 's', pid: '1', ...ports });
  await edge.register({
    ip: '127.0.0.1',
    server: 'by-name',
    service: 's',
    pid: '1',
    ...ports,
    public_urls: { http: `http://${ORIGIN_NAME.name}:${ORIGIN_NAME.port}` },
  });
  edge.guard.map(ORIGIN_NAME.name, ORIGIN_NAME.port, nginx.httpPort);
  streams.viaNode = await edge.streamOn('by-ip', 'gw', 'http');
  streams.direct = await edge.streamOn('by-name', 'dr', 'http');
  for (const stream of Object.values(streams)) {
    publishers.push(publishTestStream(`rtmp://127.0.0.1:${nginx.rtmpPort}/live/${stream}`, { seconds: 120 }));
  }
  await Promise.all(Object.values(streams).map(segmentsReady));
});

after(async () => {
  for (const p of publishers) await p.stop();
  await edge?.stop();
  await nginx?.stop();
});

/** Fetches the playlist and every segment through the Worker; each must equal the origin's file. */
async function checkSegments(stream: string): Promise<number> {
  const playlist = await fetch(`${edge.url}/live/${stream}.m3u8`);
  const text = await playlist.text();
  assert.equal(playlist.status, 200, text);
  const segments = text.split('\n').filter((l) => l && !l.startsWith('#'));
  assert.ok(segments.length >= 3, text);
  for (const uri of segments) {
    const seg = await fetch(`${edge.url}${uri}`);
    assert.equal(seg.status, 200, uri);
    const body = Buffer.from(await seg.arrayBuffer());
    const file = readFileSync(join(nginx.hlsDir, uri.slice('/live/'.length, uri.indexOf('?'))));
    assert.ok(body.equals(file), `${uri} differs`);
  }
  return segments.length;
}

describe('HLS through the Worker under production fetch rules', () => {
  it('reaches an origin registered by IP through the node gateway, segments byte-identical', async () => {
    const before = edge.guard.fetched.length;
    await checkSegments(streams.viaNode);
    const made = edge.guard.fetched.slice(before).filter((f) => !f.includes('upstash.test'));
    assert.ok(made.length >= 4, made.join('\n'));
    for (const f of made) assert.match(f, /^GET http:\/\/node-a\.test:8080\/sy-gateway\/live\//);
    assert.deepEqual(edge.guard.refused, []);
  });

  it('reaches an origin registered with a public name directly', async () => {
    const before = edge.guard.fetched.length;
    await checkSegments(streams.direct);
    const made = edge.guard.fetched.slice(before).filter((f) => !f.includes('upstash.test'));
    assert.ok(made.length >= 4, made.join('\n'));
    for (const f of made) assert.match(f, /^GET http:\/\/origin-hls\.test:8880\/live\//);
    assert.deepEqual(edge.guard.refused, []);
  });

  it('plays with ffprobe through the Worker, both ways', async () => {
    for (const stream of Object.values(streams)) {
      const result = await probeUntilAv(`${edge.url}/live/${stream}.m3u8`);
      assert.deepEqual(result.codecs, ['aac', 'h264'], result.stderr);
    }
    assert.deepEqual(edge.guard.refused, []);
  });
});

describe('the node gateway refuses what the edge did not sign', () => {
  const signer = new Signer(EDGE_SIGNING_KEY);
  const gateway = (path: string, ticket?: string, method = 'GET') =>
    fetch(`http://127.0.0.1:${edge.node.httpPort}${GATEWAY_PREFIX}${path}`, {
      method,
      headers: ticket ? { [GATEWAY_HEADER]: ticket } : {},
    });
  const ticket = (p: string, extra: { a?: string; m?: string; e?: number; key?: Signer } = {}) =>
    encodeGatewayTicket(
      {
        b: 'by-ip',
        a: extra.a ?? `127.0.0.1:${nginx.httpPort}`,
        m: extra.m ?? 'GET',
        p,
        e: extra.e ?? Date.now() + 20_000,
      },
      extra.key ?? signer,
    );

  it('serves a signed playlist request and nothing else', async () => {
    const path = `/live/${streams.viaNode}.m3u8`;
    const ok = await gateway(path, ticket(path));
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /#EXTM3U/);
    const refusals: Array<[string, string | undefined]> = [
      [path, undefined],
      [path, ticket(path, { key: new Signer('another-key-0123456789') })],
      [path, ticket(path, { e: Date.now() - 1 })],
      [path, ticket('/live/other.m3u8')],
      [path, ticket(path, { m: 'POST' })],
      [path, ticket(path, { a: '169.254.169.254:80' })],
      ['/stat', ticket('/stat')],
      ['/live/../secret.m3u8', ticket('/live/../secret.m3u8')],
    ];
    for (const [p, t] of refusals) {
      const res = await gateway(p, t);
      assert.equal(res.status, 403, `${p} ${t}`);
      await res.arrayBuffer();
    }
  });
});
