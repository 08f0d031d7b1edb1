// An origin dies (kill -9) under live players: every player relayed to it is closed within 1 s,
// the node reports the origin (suspect at once), and the stream, published again, lands on the
// other origin with no TTL to wait out. Real peers: Node-Media-Server (killed), nginx-rtmp,
// Switchyard as `npm start` runs it, ffmpeg publisher and players.
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { probeUntilAv, publishTestStream } from '../helpers/ffmpeg.ts';
import { type Child, startProcess, waitFor } from '../helpers/processes.ts';
import { streamBoundTo } from '../helpers/switchyard.ts';
import { startTwoOrigins, type TwoOrigins } from '../helpers/two-origins.ts';

let origins: TwoOrigins;
const children: Child[] = [];

before(async () => {
  origins = await startTwoOrigins();
});

after(async () => {
  await Promise.all(children.map((c) => c.stop()));
  await origins?.stop();
});

/** An HTTP-FLV player through Switchyard; resolves when its response ends, with the time. */
function flvPlayer(url: string): Promise<{ ended: Promise<number>; bytes: () => number }> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const req = get(url, (res) => {
      const ended = new Promise<number>((done) => {
        res.on('close', () => done(Date.now()));
      });
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on('error', () => {});
      resolve({ ended, bytes: () => bytes });
    });
    req.on('error', reject);
  });
}

describe('origin failure', () => {
  it('closes players of a killed origin within 1 s and re-places the stream on the live origin', async () => {
    const { nginx, nms, sy } = origins;
    const stream = await streamBoundTo(sy.systemPort, 'nms', 'kill');
    const rtmpUrl = `rtmp://127.0.0.1:${sy.rtmpPort}/live/${stream}`;
    const publisher = publishTestStream(rtmpUrl, { seconds: 120 });
    children.push(publisher);
    await probeUntilAv(rtmpUrl);

    const rtmpPlayer = startProcess('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', rtmpUrl, '-f', 'null', '-']);
    children.push(rtmpPlayer);
    const flv = await flvPlayer(`http://127.0.0.1:${sy.httpPort}/live/${stream}.flv`);
    await waitFor('both players receiving', async () => flv.bytes() > 10_000 || undefined);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(rtmpPlayer.proc.exitCode, null, rtmpPlayer.output());

    const killedAt = Date.now();
    nms.process.proc.kill('SIGKILL');
    const rtmpClosed = await rtmpPlayer.exited.then(() => Date.now());
    const flvClosed = await flv.ended;
    assert.ok(rtmpClosed - killedAt < 1000, `RTMP player closed after ${rtmpClosed - killedAt} ms`);
    assert.ok(flvClosed - killedAt < 1000, `HTTP-FLV player closed after ${flvClosed - killedAt} ms`);

    // The node reported nms: the control plane shows it suspect, and the stream's next request binds to nginx.
    await waitFor('nms reported', async () => {
      const res = await fetch(`http://127.0.0.1:${sy.systemPort}/api/v1/servers/nms`);
      const body = (await res.json()) as { data: { server: { state: string } } };
      return body.data.server.state === 'suspect' || undefined;
    });
    await publisher.stop();
    const republisher = publishTestStream(rtmpUrl, { seconds: 120 });
    children.push(republisher);
    const again = await probeUntilAv(rtmpUrl);
    const landed = Date.now() - killedAt;
    assert.deepEqual(again.codecs, ['aac', 'h264'], again.stderr);
    const direct = await probeUntilAv(`rtmp://127.0.0.1:${nginx.rtmpPort}/live/${stream}`);
    assert.deepEqual(direct.codecs, ['aac', 'h264'], 'the stream is on nginx now');
    console.log(
      JSON.stringify({
        rtmpClosedMs: rtmpClosed - killedAt,
        flvClosedMs: flvClosed - killedAt,
        playableAgainMs: landed,
      }),
    );
  });
});
