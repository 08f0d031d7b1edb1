// An SRT publisher's origin dies (kill -9 of srt-live-transmit): Switchyard cannot move an SRT
// session to another origin without the caller seeing a new handshake, so it closes the caller
// at once (an SRT shutdown) instead of leaving it to its peer-idle timeout (5 s in libsrt).
// Real peers: srt-live-transmit origin, ffmpeg caller, Switchyard as `npm start` runs it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { publishTestStream } from '../helpers/ffmpeg.ts';
import { waitFor } from '../helpers/processes.ts';
import { type SrtIngestOrigin, srtOriginBody, startSrtIngestOrigin } from '../helpers/srt-origin.ts';
import { register, type SwitchyardProcess, startSwitchyard } from '../helpers/switchyard.ts';

/** Kill to the caller's exit, at most (libsrt alone would take its 5 s peer-idle timeout). */
const CLOSE_BOUND_MS = 2_000;

let sy: SwitchyardProcess;
let origin: SrtIngestOrigin;

before(async () => {
  [sy, origin] = await Promise.all([startSwitchyard(), startSrtIngestOrigin()]);
  assert.equal((await register(sy.systemPort, srtOriginBody('srt-a', origin.srtPort))).status, 200);
});

after(async () => {
  await Promise.all([sy?.stop(), origin?.stop()]);
});

describe('SRT origin failure', () => {
  it('closes the SRT caller within 2 s of its origin being killed', async () => {
    const url = `srt://127.0.0.1:${sy.srtPort}?streamid=#!::r=live/srtkill,m=publish`;
    const publisher = publishTestStream(url, { seconds: 60, format: 'mpegts' });
    try {
      await waitFor('bytes at the origin', async () => origin.bytes().length > 50_000 || undefined);
      const killedAt = Date.now();
      origin.process.proc.kill('SIGKILL');
      const exitedAt = await publisher.exited.then(() => Date.now());
      const closedMs = exitedAt - killedAt;
      console.log(JSON.stringify({ srtCallerClosedMs: closedMs }));
      assert.ok(closedMs < CLOSE_BOUND_MS, `caller exited ${closedMs} ms after the kill`);
      await waitFor(
        'the close line',
        async () => sy.process.output().includes('"msg":"srt session closed"') || undefined,
      );
      assert.match(sy.process.output(), /"msg":"srt session closed".*"reason":"backend_gone"/);
    } finally {
      await publisher.stop();
    }
  });
});
