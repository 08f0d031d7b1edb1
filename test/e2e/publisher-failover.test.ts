// An RTMP publisher's origin dies (kill -9) mid-publish: Switchyard keeps the publisher's
// connection, re-publishes to the other origin with the cached metadata and sequence headers,
// and continues from the next keyframe. Real peers: Node-Media-Server (killed), nginx-rtmp,
// Switchyard as `npm start` runs it, ffmpeg publisher, ffprobe players.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { playFor, probeUntilAv, publishTestStream } from '../helpers/ffmpeg.ts';
import { type Child, waitFor } from '../helpers/processes.ts';
import { sampleValue } from '../helpers/prometheus.ts';
import { streamBoundTo } from '../helpers/switchyard.ts';
import { startTwoOrigins, type TwoOrigins } from '../helpers/two-origins.ts';

/** Kill to first media on the new origin, at most (failure noticed, report, route, connect, next keyframe: GOP 1 s). */
const RESUME_BOUND_MS = 3_000;
/** Kill to a new player through Switchyard reading H.264 + AAC again, at most. */
const PLAYABLE_BOUND_MS = 10_000;

let origins: TwoOrigins;
const children: Child[] = [];

before(async () => {
  origins = await startTwoOrigins();
});

after(async () => {
  await Promise.all(children.map((c) => c.stop()));
  await origins?.stop();
});

describe('RTMP publisher failover', () => {
  it('keeps the publisher connected across a kill -9 of its origin and resumes on the other origin', async () => {
    const { nginx, nms, sy } = origins;
    const stream = await streamBoundTo(sy.systemPort, 'nms', 'pf');
    const rtmpUrl = `rtmp://127.0.0.1:${sy.rtmpPort}/live/${stream}?token=abc`;
    const publisher = publishTestStream(rtmpUrl, { seconds: 120 });
    children.push(publisher);
    const before = await probeUntilAv(`rtmp://127.0.0.1:${nms.rtmpPort}/live/${stream}`);
    assert.deepEqual(before.codecs, ['aac', 'h264'], `published to nms first: ${before.stderr}`);

    // Stamped when Switchyard logs it: the first media (the replayed headers and a keyframe) was written to the new origin.
    let resumedAt = 0;
    sy.process.proc.stdout?.on('data', (chunk: Buffer) => {
      if (!resumedAt && chunk.includes('"msg":"rtmp publisher resumed at a keyframe"')) resumedAt = Date.now();
    });
    const killedAt = Date.now();
    nms.process.proc.kill('SIGKILL');
    await waitFor('media on the new origin', async () => resumedAt || undefined, RESUME_BOUND_MS + 5_000).catch(
      (err) => {
        const lines = sy.process
          .output()
          .split('\n')
          .filter((l) => /rtmp|backend/.test(l));
        throw new Error(`${String(err)}\n${lines.slice(-15).join('\n')}\n${publisher.output()}`);
      },
    );
    // A new player through Switchyard, started once the stream is back: how long it needs to land.
    const playerStartedAt = Date.now();
    const played = await probeUntilAv(`rtmp://127.0.0.1:${sy.rtmpPort}/live/${stream}`);
    const playableAt = Date.now();
    assert.deepEqual(played.codecs, ['aac', 'h264'], `a player through Switchyard: ${played.stderr}`);
    const direct = await probeUntilAv(`rtmp://127.0.0.1:${nginx.rtmpPort}/live/${stream}`);
    assert.deepEqual(direct.codecs, ['aac', 'h264'], `the stream is on nginx now: ${direct.stderr}`);
    // What the new origin got decodes cleanly: 3 s through Switchyard, no decoder error.
    const play = await playFor(`rtmp://127.0.0.1:${sy.rtmpPort}/live/${stream}`, 3);
    assert.equal(play.code, 0, play.stderr);
    assert.equal(play.stderr.trim(), '', 'the player decoded without errors');
    // The publisher noticed nothing: still running, nothing on stderr (it logs errors only).
    assert.equal(publisher.proc.exitCode, null, publisher.output());
    assert.equal(publisher.stderr().trim(), '', 'ffmpeg reported no error');
    const log = sy.process.output();
    assert.match(log, /"msg":"rtmp publisher failover"/);
    assert.doesNotMatch(log, /"msg":"rtmp session closed".*"kind":"publish"/, 'the publish session stayed open');

    const metrics = await (await fetch(`http://127.0.0.1:${sy.systemPort}/metrics`)).text();
    const failovers = (outcome: string) =>
      sampleValue(metrics, 'switchyard_rtmp_publisher_failovers_total', { outcome });
    assert.deepEqual([failovers('started'), failovers('resumed')], [1, 1]);
    const republished = /"msg":"rtmp publisher re-published".*"tookMs":(\d+)/.exec(log);
    const figures = {
      republishTookMs: Number(republished?.[1]),
      resumeMs: resumedAt - killedAt,
      newPlayerLandsMs: playableAt - playerStartedAt,
      playableSinceKillMs: playableAt - killedAt,
    };
    console.log(JSON.stringify(figures));
    assert.ok(figures.resumeMs < RESUME_BOUND_MS, `first media on the new origin after ${figures.resumeMs} ms`);
    assert.ok(figures.playableSinceKillMs < PLAYABLE_BOUND_MS, JSON.stringify(figures));
  });
});
