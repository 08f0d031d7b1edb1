// Floods of sessions that never get to relaying, from many loopback addresses, against
// Switchyard nodes running in this process (so memory can be measured after a forced garbage
// collection): memory stays bounded, per-IP and global limits refuse the excess at once, slow
// headers time out, and real players (ffprobe through Switchyard to nginx-rtmp and
// Node-Media-Server, fed by ffmpeg) still get media during each flood.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ChunkWriter } from '../../dataplane/rtmp/chunk-writer.ts';
import { setChunkSize } from '../../dataplane/rtmp/commands.ts';
import { createLogger } from '../../shared/log.ts';
import { type ProbeResult, probe, probeUntilAv, publishTestStream } from '../helpers/ffmpeg.ts';
import { type InProcessNode, startInProcessNode } from '../helpers/in-process-node.ts';
import { type NginxOrigin, startNginxRtmp } from '../helpers/nginx-rtmp.ts';
import { type NmsOrigin, startNodeMediaServer } from '../helpers/node-media-server.ts';
import type { Child } from '../helpers/processes.ts';
import { type RawHttp, rawHttp, slowHeaders } from '../helpers/raw-http.ts';
import { type RawClient, rawClient, rawRtmpPeer } from '../helpers/raw-rtmp.ts';
import { originBody, register, streamBoundTo } from '../helpers/switchyard.ts';

const FLOOD = 300;
const FLOOD_IPS = 15; // 20 connections each: the default per-IP limit
const HEADERS_TIMEOUT_MS = 2000;
const KIB = 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface TestNode extends InProcessNode {
  logs: string[];
}

let nginx: NginxOrigin;
let nms: NmsOrigin;
/** Default limits, headers timeout shortened. */
let sy: TestNode;
/** PROXY_MAX_PENDING_CONNECTIONS=12, PROXY_MAX_PENDING_PER_IP=5. */
let tight: TestNode;
const publishers: Child[] = [];
let onNginx: string;
let onNms: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ip = (block: number, n: number) => `127.0.${block}.${n}`;

async function startTestNode(env: Record<string, string>): Promise<TestNode> {
  const logs: string[] = [];
  const node = await startInProcessNode(
    createLogger('info', {}, (line) => logs.push(line)),
    {},
    env,
  );
  return { ...node, logs };
}

/** ffprobe's wall time to H.264 + AAC: the real player's time to first media. */
async function timedProbe(url: string): Promise<ProbeResult & { ms: number }> {
  const started = Date.now();
  const result = await probe(url, 10);
  return { ...result, ms: Date.now() - started };
}

function logLines(node: TestNode, msg: string): Array<Record<string, unknown>> {
  return node.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg);
}

/** Live JS heap plus buffers after full collections: what the process really holds. */
async function liveBytes(): Promise<number> {
  // Buffers are freed by a sweeper after the collection; let it finish before counting.
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(50);
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

before(async () => {
  [nginx, nms, sy, tight] = await Promise.all([
    startNginxRtmp(),
    startNodeMediaServer(),
    startTestNode({ PROXY_HTTP_HEADERS_TIMEOUT: `${HEADERS_TIMEOUT_MS}ms` }),
    startTestNode({ PROXY_MAX_PENDING_CONNECTIONS: '12', PROXY_MAX_PENDING_PER_IP: '5' }),
  ]);
  await register(sy.systemPort, originBody('nginx', { rtmp: nginx.rtmpPort, http: nginx.httpPort }));
  await register(sy.systemPort, originBody('nms', { rtmp: nms.rtmpPort, http: nms.httpPort }));
  await register(tight.systemPort, originBody('nginx', { rtmp: nginx.rtmpPort, http: nginx.httpPort }));
  onNginx = await streamBoundTo(sy.systemPort, 'nginx', 'flood');
  onNms = await streamBoundTo(sy.systemPort, 'nms', 'flv');
  // Straight to the origins: Switchyard's CPU goes to the floods and the players.
  publishers.push(publishTestStream(`rtmp://127.0.0.1:${nginx.rtmpPort}/live/${onNginx}`, { seconds: 120 }));
  publishers.push(publishTestStream(`rtmp://127.0.0.1:${nms.rtmpPort}/live/${onNms}`, { seconds: 120 }));
  const [rtmp, flv] = await Promise.all([
    probeUntilAv(`rtmp://127.0.0.1:${sy.rtmpPort}/live/${onNginx}`),
    probeUntilAv(`http://127.0.0.1:${sy.httpPort}/live/${onNms}.flv`),
  ]);
  assert.deepEqual(rtmp.codecs, ['aac', 'h264'], rtmp.stderr);
  assert.ok(flv.codecs.includes('h264'), flv.stderr);
});

after(async () => {
  await Promise.all(publishers.map((p) => p.stop()));
  await Promise.all([sy?.node.shutdown(), tight?.node.shutdown(), nginx?.stop(), nms?.stop()]);
});

/**
 * Handshakes, sets chunk size `payload.length`, then starts a video message of `messageBytes` on
 * each of `streams` chunk streams, sending only its first chunk (`payload`, shared, so the flood
 * costs this process little). The server would hold streams x payload bytes before any publish.
 */
async function holdPartialMessages(
  port: number,
  localAddress: string,
  payload: Buffer,
  streams: number,
  messageBytes: number,
): Promise<RawClient> {
  const client = await rawClient(port, true, localAddress);
  client.send(new ChunkWriter().encode(2, setChunkSize(payload.length)));
  const length = [(messageBytes >> 16) & 0xff, (messageBytes >> 8) & 0xff, messageBytes & 0xff];
  for (let csid = 4; csid < 4 + streams; csid++) {
    client.send(Buffer.from([csid, 0, 0, 0, ...length, 9, 0, 0, 0, 0])); // fmt 0, video, msid 0
    client.send(payload);
  }
  return client;
}

/** Resolves when everything written has left this process, or the connection is gone. */
function flushedOrClosed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.once('close', () => resolve());
    socket.write(Buffer.alloc(0), () => resolve());
  });
}

describe('floods before relaying', () => {
  it(`${FLOOD} RTMP connections holding partial messages: memory stays bounded, a real player still plays`, async () => {
    const quiet = await timedProbe(`rtmp://127.0.0.1:${sy.rtmpPort}/live/${onNginx}`);
    assert.deepEqual(quiet.codecs, ['aac', 'h264'], quiet.stderr);
    /** One flood wave with a real player starting alongside; this side keeps every socket referenced. */
    const wave = async (block: number, payload: Buffer, streams: number, messageBytes: number) => {
      const liveBefore = await liveBytes();
      const rssBefore = process.memoryUsage().rss;
      const flooding = Array.from({ length: FLOOD }, (_, i) =>
        holdPartialMessages(sy.rtmpPort, ip(block, 1 + (i % FLOOD_IPS)), payload, streams, messageBytes),
      );
      const player = timedProbe(`rtmp://127.0.0.1:${sy.rtmpPort}/live/${onNginx}`);
      const clients = await Promise.all(flooding);
      await Promise.all(clients.map((c) => flushedOrClosed(c.socket)));
      await sleep(1000);
      const live = ((await liveBytes()) - liveBefore) / FLOOD;
      const rss = (process.memoryUsage().rss - rssBefore) / FLOOD;
      const open = clients.filter((c) => !c.socket.destroyed).length;
      const during = await player;
      for (const c of clients) c.socket.destroy();
      await sleep(300);
      return { live, rss, open, during };
    };
    const kib = (b: number) => `${(b / KIB).toFixed(1)} KiB`;
    // 16 messages of 64 KiB, all but 536 bytes of each sent: ~1 MB a connection (what the old
    // reader held), far over the 64 KiB bound.
    const over = await wave(1, Buffer.alloc(65_000, 0x41), 16, 65_536);
    // One 60 KiB message, half of it sent: its declared 60 KiB stays within the bound.
    const under = await wave(3, Buffer.alloc(30_000, 0x42), 1, 61_440);
    console.log(
      `RTMP flood, ${FLOOD} connections from ${FLOOD_IPS} addresses (live memory after GC per connection, this ` +
        `process's RSS growth incl. flood clients in brackets): ~1 MB of partial messages each: ${kib(over.live)} ` +
        `(${kib(over.rss)}), ${over.open} left open; a 60 KiB partial message each: ${kib(under.live)} ` +
        `(${kib(under.rss)}), ${under.open} open. Real player's time to media: ${quiet.ms} ms quiet, ` +
        `${over.during.ms} and ${under.during.ms} ms during the floods`,
    );
    for (const w of [over, under]) assert.deepEqual(w.during.codecs, ['aac', 'h264'], w.during.stderr);
    // What is left is this side's own sockets and the server's log lines.
    assert.ok(over.live < 16 * KIB, `${kib(over.live)} live per connection`);
    assert.equal(over.open, 0, 'every connection over the bound was closed by the server');
    const closes = logLines(sy, 'rtmp session closed');
    const overBound = closes.filter((l) => l.reason === 'bad_input' && /more than 65536 bytes/.test(String(l.detail)));
    assert.equal(overBound.length, FLOOD, JSON.stringify(closes.slice(-3)));
    assert.equal(under.open, FLOOD, 'connections within the bound are kept');
    assert.ok(under.live < 96 * KIB, `${kib(under.live)} live per connection within the bound`);
  });

  it('slow headers: per-IP limit refuses the excess at once, the headers timeout closes the rest, HTTP-FLV still plays', async () => {
    const perIp = 25;
    const ips = 8;
    // A kept-alive connection from a flooding IP, admitted before the flood and answered once.
    const keptAlive = await rawHttp(sy.httpPort, { localAddress: ip(5, 1) });
    keptAlive.socket.write('GET /api/v1/versions HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await keptAlive.receive(/^HTTP\/1\.1 200 /, 3000);
    await sleep(200);

    const started = Date.now();
    const slow: RawHttp[] = await Promise.all(
      Array.from({ length: perIp * ips }, (_, i) => slowHeaders(sy.httpPort, ip(5, 1 + (i % ips)), 300)),
    );
    const player = timedProbe(`http://127.0.0.1:${sy.httpPort}/live/${onNms}.flv`);
    await sleep(500);
    const refusedAtOnce = slow.filter((c) => (c.closedAfter() ?? Number.POSITIVE_INFINITY) < 500);
    assert.equal(refusedAtOnce.length, (perIp - 20) * ips, 'the connections over 20 per IP were closed at once');
    assert.ok(
      refusedAtOnce.every((c) => c.received().length === 0),
      'refused before any request: a plain close',
    );

    // A live-stream request on the kept-alive connection counts again: its IP is full, so 503.
    keptAlive.socket.write(`GET /live/${onNms}.flv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    const received = await keptAlive.receive(/HTTP\/1\.1 503 [\s\S]*?\r\n\r\n\{.*\}$/, 3000);
    const answer = received.slice(received.indexOf('HTTP/1.1 503 '));
    assert.match(answer, /connection: close/i);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    assert.equal(body.code, 503);
    assert.equal(body.error, 'overloaded');
    assert.match(String(body.message), /20 sessions pending from 127\.0\.5\.1/);
    await keptAlive.closedWithin(1000);

    // Oversized headers are refused too.
    const big = await rawHttp(sy.httpPort, { localAddress: ip(6, 1) });
    big.socket.write(`GET /live/x.flv HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(20 * KIB)}\r\n\r\n`);
    assert.match(await big.receive(/^HTTP\/1\.1 431/, 3000), /431/);

    const closed = await Promise.all(slow.map((c) => c.closedWithin(HEADERS_TIMEOUT_MS + 3000)));
    const slowest = Math.max(...closed);
    const during = await player;
    console.log(
      `HTTP slow headers: ${perIp * ips} connections from ${ips} IPs, ${refusedAtOnce.length} refused at once, ` +
        `the rest closed by ${slowest} ms (headers timeout ${HEADERS_TIMEOUT_MS} ms); ` +
        `HTTP-FLV player's time to media during the flood ${during.ms} ms`,
    );
    assert.ok(during.codecs.includes('h264'), during.stderr);
    assert.ok(slowest < HEADERS_TIMEOUT_MS + 2000, `slowest close after ${slowest} ms`);
    assert.ok(Date.now() - started < HEADERS_TIMEOUT_MS + 5000);
    const timedOut = slow.filter((c) => /^HTTP\/1\.1 408/.test(c.received().toString('latin1')));
    assert.equal(timedOut.length, 20 * ips, 'each admitted slow client got 408 Request Timeout');
  });

  it('per-IP limit: the sixth pending connection from one address is refused, another address gets in', async () => {
    const held = await Promise.all(Array.from({ length: 5 }, () => rawClient(tight.rtmpPort, true, ip(2, 1))));
    const sixth = await rawClient(tight.rtmpPort, false, ip(2, 1));
    assert.ok((await sixth.closedWithin(1000)) < 500, 'refused at once');
    const other = await rawClient(tight.rtmpPort, true, ip(2, 2));
    const during = await timedProbe(`rtmp://127.0.0.1:${tight.rtmpPort}/live/${onNginx}`);
    assert.deepEqual(during.codecs, ['aac', 'h264'], during.stderr);
    // Leaving the count: one closes, and its address gets a slot again.
    held[0]?.socket.destroy();
    await sleep(100);
    const again = await rawClient(tight.rtmpPort, true, ip(2, 1));
    // Relaying sessions do not count: seven players in turn from one address all play.
    const players = [];
    for (let i = 0; i < 7; i++)
      players.push(await rawRtmpPeer(tight.rtmpPort, 'play', onNginx, { localAddress: ip(2, 3) }));
    await sleep(1000);
    assert.ok(
      players.every((p) => p.bytes > 0 && !p.socket.destroyed),
      'all seven players receive media',
    );
    for (const c of [...held, other, again, ...players]) c.socket.destroy();
    console.log(`per-IP limit: real player's time to media with one address at its limit ${during.ms} ms`);
  });

  it('global limit: with 12 sessions pending from three addresses, a fourth address is refused on RTMP and HTTP', async () => {
    await sleep(200);
    const held = await Promise.all(
      [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3].map((n) => rawClient(tight.rtmpPort, true, ip(3, n))),
    );
    const refusalsBefore = logLines(tight, 'rtmp connection refused').length;
    const refused = await Promise.all(Array.from({ length: 10 }, () => rawClient(tight.rtmpPort, false, ip(3, 4))));
    for (const r of refused) assert.ok((await r.closedWithin(1000)) < 500, 'RTMP refused at once');
    const http = await rawHttp(tight.httpPort, { localAddress: ip(3, 4) });
    assert.ok((await http.closedWithin(1000)) < 500, 'HTTP refused at once');
    assert.equal(http.received().length, 0);
    const logged = logLines(tight, 'rtmp connection refused').slice(refusalsBefore);
    assert.ok(logged.length >= 1 && logged.length <= 2, `${logged.length} refusal lines for 11 refusals`);
    assert.match(String(logged[0]?.reason), /12 sessions pending on this node/);
    // Two leave; the fourth address gets in.
    held[0]?.socket.destroy();
    held[5]?.socket.destroy();
    await sleep(100);
    const admitted = await rawClient(tight.rtmpPort, true, ip(3, 4));
    const during = await timedProbe(`rtmp://127.0.0.1:${tight.rtmpPort}/live/${onNginx}`);
    assert.deepEqual(during.codecs, ['aac', 'h264'], during.stderr);
    for (const c of [...held, admitted]) c.socket.destroy();
  });
});
