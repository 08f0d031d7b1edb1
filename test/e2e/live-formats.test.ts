// Every live HTTP format SRS's http_remux serves (.flv, .ts, .aac, .mp3) through Switchyard with
// the origin's headers, whatever the stream is called (`cam-<n>.ts` is a stream, not a segment);
// and players that come before the publisher, over HTTP-FLV (Node-Media-Server) and RTMP
// (nginx-rtmp), waiting past the 10 s that used to cut them off. Origins: ffmpeg's own HTTP
// server (`-listen 1`, one client each) for TS/AAC/MP3, Node-Media-Server, nginx-rtmp.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { probe, publishTestStream } from '../helpers/ffmpeg.ts';
import { listeningPorts } from '../helpers/listening-ports.ts';
import { type NginxOrigin, startNginxRtmp } from '../helpers/nginx-rtmp.ts';
import { type NmsOrigin, startNodeMediaServer } from '../helpers/node-media-server.ts';
import { freePort } from '../helpers/ports.ts';
import { type Child, startProcess, waitFor } from '../helpers/processes.ts';
import { rawRtmpPeer } from '../helpers/raw-rtmp.ts';
import { originBody, register, type SwitchyardProcess, startSwitchyard, streamBoundTo } from '../helpers/switchyard.ts';

let nginx: NginxOrigin;
let nms: NmsOrigin;
let sy: SwitchyardProcess;
/** The HTTP port of the `origin` backend: one ffmpeg HTTP server after another. */
let ffPort: number;
const children: Child[] = [];
const dir = mkdtempSync(join(tmpdir(), 'sy-formats-'));

before(async () => {
  [nginx, nms, sy, ffPort] = await Promise.all([
    startNginxRtmp(),
    startNodeMediaServer(),
    startSwitchyard(),
    freePort(),
  ]);
  await heartbeat();
  assert.equal(
    (await register(sy.systemPort, originBody('nms', { rtmp: nms.rtmpPort, http: nms.httpPort }))).status,
    200,
  );
});

after(async () => {
  await Promise.all(children.map((c) => c.stop()));
  await Promise.all([sy?.stop(), nginx?.stop(), nms?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Registers (again) the `origin` backend, as SRS's heartbeat does every 9.9 s. Each one-shot
 * ffmpeg server's exit ends its relay with a closed port, which the node reports (the origin
 * looks dead, docs/failover.md); a heartbeat clears that, as it would for a real origin.
 */
async function heartbeat(): Promise<void> {
  const origin = originBody('origin', { rtmp: nginx.rtmpPort, http: ffPort });
  assert.equal((await register(sy.systemPort, origin)).status, 200);
}

/** ffmpeg serving one live stream over HTTP, as SRS's http_remux would, with its content type. */
function serveLive(format: string, contentType: string, codec: string[]): Child {
  const child = startProcess('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-re',
    ...['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-f', 'lavfi', '-i', 'sine'],
    '-t',
    '20',
    ...codec,
    '-f',
    format,
    '-content_type',
    contentType,
    '-listen',
    '1',
    `http://127.0.0.1:${ffPort}/`,
  ]);
  children.push(child);
  return child;
}

/**
 * Reads `bytes` of a live response once the one-shot origin `server` listens. Its port is watched
 * in /proc, not dialled (it takes one client), and no request goes out before: a refused dial
 * would report the origin as failing, and the stream would move (docs/failover.md).
 */
async function readLive(
  url: string,
  bytes: number,
  server: Child,
): Promise<{ status: number; type: string | null; body: Buffer }> {
  const pid = server.proc.pid as number;
  await waitFor(
    'the origin to listen',
    async () => listeningPorts(pid).tcp.includes(ffPort) || undefined,
    10_000,
    server,
  );
  const res = await fetch(url);
  const chunks: Buffer[] = [];
  let got = 0;
  const reader = res.body!.getReader();
  while (got < bytes) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(Buffer.from(value));
    got += value.length;
  }
  await reader.cancel();
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.concat(chunks) };
}

describe('live HTTP formats through Switchyard', () => {
  const formats = [
    {
      ext: '.ts',
      format: 'mpegts',
      type: 'video/mp2t',
      codec: ['-c:v', 'libx264', '-preset', 'ultrafast', '-an'],
      expect: ['h264'],
    },
    { ext: '.aac', format: 'adts', type: 'audio/aac', codec: ['-vn', '-c:a', 'aac'], expect: ['aac'] },
    { ext: '.mp3', format: 'mp3', type: 'audio/mpeg', codec: ['-vn', '-c:a', 'libmp3lame'], expect: ['mp3'] },
  ];
  for (const f of formats) {
    it(`relays a live ${f.ext} stream named like an HLS segment, with the origin's content type`, async () => {
      // `cam-<n>` used to be taken for an HLS segment name and answered 404.
      await heartbeat();
      const name = await streamBoundTo(sy.systemPort, 'origin', 'cam-');
      assert.match(name, /-\d+$/);
      const server = serveLive(f.format, f.type, f.codec);
      const got = await readLive(`http://127.0.0.1:${sy.httpPort}/live/${name}${f.ext}`, 16_000, server);
      assert.equal(got.status, 200, server.output());
      assert.equal(got.type, f.type);
      const file = join(dir, `got${f.ext}`);
      writeFileSync(file, got.body);
      const probed = await probe(file);
      assert.deepEqual(probed.codecs, f.expect, probed.stderr);
      await server.exited;
    });
  }
});

describe('players before publishers', () => {
  it('keeps HTTP-FLV and RTMP players waiting past 10 s, then they get the stream', async () => {
    await heartbeat();
    const flvName = await streamBoundTo(sy.systemPort, 'nms', 'early');
    const rtmpName = await streamBoundTo(sy.systemPort, 'origin', 'early');
    const controller = new AbortController();
    const flv = fetch(`http://127.0.0.1:${sy.httpPort}/live/${flvName}.flv`, { signal: controller.signal });
    const player = await rawRtmpPeer(sy.rtmpPort, 'play', rtmpName);
    await new Promise((r) => setTimeout(r, 11_000));
    assert.equal(player.bytes < 5000, true, `RTMP player got ${player.bytes} bytes before anyone published`);
    children.push(publishTestStream(`rtmp://127.0.0.1:${sy.rtmpPort}/live/${flvName}`, { seconds: 30 }));
    children.push(publishTestStream(`rtmp://127.0.0.1:${sy.rtmpPort}/live/${rtmpName}`, { seconds: 30 }));
    const res = await flv;
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let got = 0;
    let head = '';
    while (got < 50_000) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!head) head = Buffer.from(value).subarray(0, 3).toString();
      got += value.length;
    }
    assert.equal(head, 'FLV');
    assert.ok(got >= 50_000, `${got} bytes of HTTP-FLV`);
    controller.abort();
    await waitFor('the RTMP player to get media', async () => player.bytes > 50_000 || undefined, 10_000);
    player.close();
  });
});
