// Codecs pass through untouched: the relay never looks into media payloads. ffmpeg publishes
// HEVC (libx265) + AAC over SRT (MPEG-TS) through Switchyard to an srt-live-transmit origin, and
// reads HEVC back through Switchyard from an SRT origin serving it. (This ffmpeg, 5.1, has no
// enhanced FLV, so HEVC over RTMP cannot be produced here; see docs/compatibility.md.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { probe, probeUntilAv, publishTestStream } from '../helpers/ffmpeg.ts';
import { type Child, waitFor } from '../helpers/processes.ts';
import {
  type SrtIngestOrigin,
  type SrtPlayOrigin,
  srtOriginBody,
  startSrtIngestOrigin,
  startSrtPlayOrigin,
} from '../helpers/srt-origin.ts';
import { register, type SwitchyardProcess, startSwitchyard, streamBoundTo } from '../helpers/switchyard.ts';

let sy: SwitchyardProcess;
let ingest: SrtIngestOrigin;
let hevcOrigin: SrtPlayOrigin;
const children: Child[] = [];
const dir = mkdtempSync(join(tmpdir(), 'sy-codecs-'));

before(async () => {
  [sy, ingest, hevcOrigin] = await Promise.all([
    startSwitchyard(),
    startSrtIngestOrigin(),
    startSrtPlayOrigin({ video: 'hevc' }),
  ]);
  assert.equal((await register(sy.systemPort, srtOriginBody('ingest', ingest.srtPort))).status, 200);
  assert.equal((await register(sy.systemPort, srtOriginBody('hevc', hevcOrigin.srtPort))).status, 200);
});

after(async () => {
  await Promise.all(children.map((c) => c.stop()));
  await Promise.all([sy?.stop(), ingest?.stop(), hevcOrigin?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('HEVC through Switchyard', () => {
  it('publishes HEVC over SRT and the origin receives HEVC', async () => {
    const name = await streamBoundTo(sy.systemPort, 'ingest', 'h');
    const url = `srt://127.0.0.1:${sy.srtPort}?streamid=#!::r=live/${name},m=publish`;
    children.push(publishTestStream(url, { seconds: 8, format: 'mpegts', video: 'hevc', bitrateK: 300 }));
    await waitFor('HEVC at the origin', async () => ingest.bytes().length > 150_000 || undefined, 15_000);
    const file = join(dir, 'ingest.ts');
    writeFileSync(file, ingest.bytes());
    assert.deepEqual((await probe(file)).codecs, ['aac', 'hevc']);
  });

  it('plays HEVC over SRT from the origin', async () => {
    const name = await streamBoundTo(sy.systemPort, 'hevc', 'p');
    const got = await probeUntilAv(`srt://127.0.0.1:${sy.srtPort}?streamid=#!::r=live/${name}`, 45_000);
    assert.deepEqual(got.codecs, ['aac', 'hevc'], got.stderr);
  });
});
