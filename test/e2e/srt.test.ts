// SRT through Switchyard (`npm start`'s entry): ffmpeg callers, srt-live-transmit origins.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { probe, probeUntilAv, publishTestStream } from '../helpers/ffmpeg.ts';
import { waitFor } from '../helpers/processes.ts';
import {
  srtOriginBody as origin,
  type SrtIngestOrigin,
  type SrtPlayOrigin,
  startSrtIngestOrigin,
  startSrtPlayOrigin,
} from '../helpers/srt-origin.ts';
import { register, type SwitchyardProcess, startSwitchyard, streamBoundTo } from '../helpers/switchyard.ts';

let sy: SwitchyardProcess;
let ingestA: SrtIngestOrigin;
let ingestB: SrtIngestOrigin;
let secure: SrtIngestOrigin;
let player: SrtPlayOrigin;
const dir = mkdtempSync(join(tmpdir(), 'sy-srt-'));
const PASSPHRASE = 'switchyard-secret-1';

async function decodedCodecs(bytes: Buffer, name: string): Promise<string[]> {
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, bytes);
  return (await probe(file)).codecs;
}

before(async () => {
  [sy, ingestA, ingestB, secure, player] = await Promise.all([
    startSwitchyard(),
    startSrtIngestOrigin(),
    startSrtIngestOrigin(),
    startSrtIngestOrigin({ passphrase: PASSPHRASE }),
    startSrtPlayOrigin(),
  ]);
});

after(async () => {
  await Promise.all([sy?.stop(), ingestA?.stop(), ingestB?.stop(), secure?.stop(), player?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** The reason codes of Switchyard's `srt session closed` lines so far. */
function closeReasons(): string[] {
  return sy.process
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; reason?: string })
    .filter((l) => l.msg === 'srt session closed')
    .map((l) => l.reason ?? '');
}

// ffmpeg hands the streamid to libsrt as written, without percent-decoding it.
const srtUrl = (streamId: string, extra = '') => `srt://127.0.0.1:${sy.srtPort}?streamid=${streamId}${extra}`;

describe('SRT through Switchyard', () => {
  it('routes two concurrent publishers on different streams to two origins, bytes intact', async () => {
    await register(sy.systemPort, origin('srt-a', ingestA.srtPort));
    await register(sy.systemPort, origin('srt-b', ingestB.srtPort));
    const onA = await streamBoundTo(sy.systemPort, 'srt-a', 'sa');
    const onB = await streamBoundTo(sy.systemPort, 'srt-b', 'sb');
    const pubs = [
      publishTestStream(srtUrl(`#!::r=live/${onA},m=publish`), { seconds: 4, format: 'mpegts' }),
      publishTestStream(srtUrl(`#!::r=live/${onB},m=publish`), { seconds: 4, format: 'mpegts' }),
    ];
    const codes = await Promise.all(pubs.map((p) => p.exited));
    assert.deepEqual(codes, [0, 0], pubs.map((p) => p.output()).join('\n'));
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await decodedCodecs(ingestA.bytes(), 'a'), ['aac', 'h264']);
    assert.deepEqual(await decodedCodecs(ingestB.bytes(), 'b'), ['aac', 'h264']);
    assert.ok(ingestA.bytes().length > 100_000 && ingestB.bytes().length > 100_000);
    // Both callers said goodbye (SRT shutdown): each session ended as the client's doing.
    await waitFor('both sessions closed', async () => closeReasons().length >= 2, 5000);
    assert.deepEqual(closeReasons(), ['client_gone', 'client_gone']);
  });

  it('relays an encrypted stream end to end (the key exchange passes untouched)', async () => {
    await register(sy.systemPort, origin('srt-secure', secure.srtPort));
    const name = await streamBoundTo(sy.systemPort, 'srt-secure', 'enc');
    const pub = publishTestStream(srtUrl(`#!::r=live/${name},m=publish`, `&passphrase=${PASSPHRASE}&pbkeylen=16`), {
      seconds: 3,
      format: 'mpegts',
    });
    assert.equal(await pub.exited, 0, pub.output());
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await decodedCodecs(secure.bytes(), 'enc'), ['aac', 'h264']);
  });

  it('plays (m=request) from an origin that serves SRT', async () => {
    await register(sy.systemPort, origin('srt-play', player.srtPort));
    const name = await streamBoundTo(sy.systemPort, 'srt-play', 'play');
    const result = await probeUntilAv(srtUrl(`#!::r=live/${name},m=request`));
    assert.deepEqual(result.codecs, ['aac', 'h264'], result.stderr);
  });
});
