// Players that stop reading: once the socket's backlog has not drained for the stall timeout the
// session closes (RTMP play and HTTP-FLV), with its reason logged, while other players of the
// same streams keep receiving and a real ffmpeg player keeps playing through the same node.
import assert from 'node:assert/strict';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../shared/log.ts';
import { playFor, probeUntilAv, publishTestStream } from '../helpers/ffmpeg.ts';
import { type InProcessNode, startInProcessNode } from '../helpers/in-process-node.ts';
import { type NginxOrigin, startNginxRtmp } from '../helpers/nginx-rtmp.ts';
import type { Child } from '../helpers/processes.ts';
import { rawHttp } from '../helpers/raw-http.ts';
import { type RawPeer, rawFastPublisher, rawRtmpPeer } from '../helpers/raw-rtmp.ts';
import { originBody, register } from '../helpers/switchyard.ts';

const STALL_MS = 2000;
/** What fills loopback socket buffers (~4 MB at 6.4 MB/s) before the backlog reaches node. */
const FILL_MS = 3000;

let nginx: NginxOrigin;
let node: InProcessNode;
const logs: string[] = [];
let publisher: Child;
let fast: RawPeer & { stop(): void };
let realPlayer: Promise<{ code: number | null; stderr: string }>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function closeReasons(msg: string): string[] {
  return logs
    .map((l) => JSON.parse(l) as { msg: string; reason?: string })
    .filter((l) => l.msg === msg)
    .map((l) => l.reason ?? '');
}

/**
 * Milliseconds from `since` until the node logs a `msg` close for a stalled client. The stalled
 * client itself cannot tell: a socket that reads nothing does not see the close either.
 */
async function stallClose(msg: string, since: number): Promise<number> {
  const until = since + STALL_MS + FILL_MS + 2000;
  while (!closeReasons(msg).includes('client_stalled')) {
    if (Date.now() > until) assert.fail(`no stall close logged: ${logs.slice(-3).join('\n')}`);
    await sleep(20);
  }
  return Date.now() - since;
}

before(async () => {
  [nginx, node] = await Promise.all([
    startNginxRtmp(),
    startInProcessNode(
      createLogger('info', {}, (line) => logs.push(line)),
      {},
      { PROXY_WRITE_STALL_TIMEOUT: `${STALL_MS}ms` },
    ),
  ]);
  await register(node.systemPort, originBody('nginx', { rtmp: nginx.rtmpPort, http: nginx.httpPort }));
  // A real stream for a real player, and a fast synthetic one (64 KiB key frames, 6.4 MB/s)
  // that fills a stalled player's socket buffers in about a second. Both straight to the origin.
  publisher = publishTestStream(`rtmp://127.0.0.1:${nginx.rtmpPort}/live/real`, { seconds: 60 });
  fast = await rawFastPublisher(nginx.rtmpPort, 'fast', { frameBytes: 64 * 1024, intervalMs: 10 });
  const ready = await probeUntilAv(`rtmp://127.0.0.1:${node.rtmpPort}/live/real`);
  assert.deepEqual(ready.codecs, ['aac', 'h264'], ready.stderr);
  realPlayer = playFor(`rtmp://127.0.0.1:${node.rtmpPort}/live/real`, 12);
});

after(async () => {
  fast?.stop();
  await publisher?.stop();
  await node?.node.shutdown();
  await nginx?.stop();
});

describe('players that stop reading', () => {
  it('an RTMP player that reads nothing is closed after the stall timeout; one that reads keeps going', async () => {
    const reading = await rawRtmpPeer(node.rtmpPort, 'play', 'fast');
    const stalled = await rawRtmpPeer(node.rtmpPort, 'play', 'fast', { stall: true });
    const closedAfter = await stallClose('rtmp session closed', Date.now());
    // Reading again, it gets what was in flight, then the end of the connection.
    stalled.socket.resume();
    await Promise.race([stalled.closed, sleep(5000).then(() => assert.fail('the stalled player is still connected'))]);
    const before = reading.bytes;
    await sleep(1000);
    const perSecond = reading.bytes - before;
    console.log(
      `RTMP: a player reading nothing was closed ${closedAfter} ms after play started (stall timeout ` +
        `${STALL_MS} ms); the other player then received ${(perSecond / 1048576).toFixed(1)} MiB in 1 s`,
    );
    assert.ok(closedAfter >= STALL_MS, `closed after ${closedAfter} ms, before the stall timeout`);
    assert.ok(!reading.socket.destroyed && perSecond > 1024 * 1024, `${perSecond} bytes in 1 s`);
    const stalls = closeReasons('rtmp session closed').filter((r) => r === 'client_stalled');
    assert.equal(stalls.length, 1, closeReasons('rtmp session closed').join('\n'));
    reading.close();
  });

  it('an HTTP-FLV player that reads nothing is closed after the stall timeout; one that reads gets everything', async () => {
    // nginx serves a 32 MB file as the "stream": more than loopback buffers hold.
    const file = join(nginx.hlsDir, 'big.flv');
    writeFileSync(file, '');
    truncateSync(file, 32 * 1024 * 1024);
    const stalled = await rawHttp(node.httpPort, { read: false });
    stalled.socket.write('GET /live/big.flv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const requested = Date.now();
    const reading = fetch(`http://127.0.0.1:${node.httpPort}/live/big.flv`).then((r) => r.arrayBuffer());
    const closedAfter = await stallClose('http stream closed', requested);
    stalled.socket.resume();
    await stalled.closedWithin(5000);
    const body = await reading;
    console.log(`HTTP-FLV: a player reading nothing was closed ${closedAfter} ms after its request`);
    assert.ok(closedAfter >= STALL_MS, `closed after ${closedAfter} ms, before the stall timeout`);
    assert.equal(body.byteLength, 32 * 1024 * 1024);
    const stalls = closeReasons('http stream closed').filter((r) => r === 'client_stalled');
    assert.equal(stalls.length, 1, logs.slice(-5).join('\n'));
  });

  it('kept the real player playing throughout', async () => {
    const result = await realPlayer;
    assert.equal(result.code, 0, result.stderr);
  });
});
