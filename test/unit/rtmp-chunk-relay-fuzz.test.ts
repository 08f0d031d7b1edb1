// Randomised relay check: random message sizes, chunk streams, chunk-size changes and read
// splits, after a command phase on both sides; every message must decode intact downstream.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkRelay } from '../../dataplane/rtmp/chunk-relay.ts';
import { ChunkWriter, type RtmpMessage } from '../../dataplane/rtmp/chunk-writer.ts';
import { commandMessage, setChunkSize } from '../../dataplane/rtmp/commands.ts';
import { MessageReader } from '../../dataplane/rtmp/message-reader.ts';
import { CompressingEncoder, media } from '../helpers/rtmp-chunks.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

function runCase(seed: number): void {
  const rnd = seededRandom(seed);
  const enc = new CompressingEncoder(128);
  const src = new MessageReader({ maxMessageSize: 1 << 24, maxBuffered: 1 << 26 });
  src.push(enc.encode(3, commandMessage(0, 'connect', 1, { app: 'live' })));
  const first = rnd() < 0.5 ? 4096 : 60_000;
  src.push(new ChunkWriter().encode(2, setChunkSize(first)));
  enc.chunkSize = first;
  src.push(enc.encode(8, commandMessage(1, 'publish', 3, null, 'cam')));
  while (src.next());
  const sinkWriter = new ChunkWriter();
  sinkWriter.encode(3, commandMessage(0, 'connect', 1, { app: 'live' }));
  sinkWriter.encode(5, commandMessage(1, 'publish', 5, null, 'cam'));
  sinkWriter.encode(2, setChunkSize(src.chunkSize));
  const sink = new MessageReader({ maxMessageSize: 1 << 24, maxBuffered: 1 << 26 });
  for (const [k, v] of sinkWriter.states) sink.states.set(k, { ...v });
  sink.chunkSize = src.chunkSize;
  const relay = new ChunkRelay({
    source: src.states,
    sink: sinkWriter.states,
    chunkSize: src.chunkSize,
    msidFrom: 1,
    msidTo: 1,
  });

  const sent: RtmpMessage[] = [];
  const parts: Buffer[] = [];
  const clock: Record<number, number> = { 3: 0, 4: 0, 6: 0, 8: 0 };
  const count = 5 + Math.floor(rnd() * 60);
  for (let i = 0; i < count; i++) {
    if (rnd() < 0.05) {
      const size = [128, 4096, 60_000, 333][Math.floor(rnd() * 4)] as number;
      const m = setChunkSize(size);
      parts.push(new ChunkWriter().encode(2, m));
      enc.chunkSize = size;
      sent.push(m);
      continue;
    }
    const csid = [3, 4, 6, 8][Math.floor(rnd() * 4)] as number;
    clock[csid] = (clock[csid] ?? 0) + Math.floor(rnd() * 50);
    const size = rnd() < 0.3 ? Math.floor(rnd() * 20_000) : Math.floor(rnd() * 300);
    const m = media(csid === 3 ? 20 : csid === 4 ? 8 : 9, clock[csid] as number, size, csid === 3 ? 0 : 1, i);
    parts.push(enc.encode(csid, m));
    sent.push(m);
  }
  const input = Buffer.concat(parts);
  const out: Buffer[] = [];
  for (let at = 0; at < input.length; ) {
    const n = 1 + Math.floor(rnd() * 3000);
    relay.push(input.subarray(at, at + n), out);
    at += n;
  }
  sink.push(Buffer.concat(out));
  const got: RtmpMessage[] = [];
  for (let m = sink.next(); m; m = sink.next()) got.push(m);
  assert.equal(got.length, sent.length, `seed ${seed}`);
  got.forEach((g, i) => {
    const want = sent[i] as RtmpMessage;
    assert.ok(
      g.type === want.type && g.timestamp === want.timestamp && g.payload.equals(want.payload),
      `seed ${seed}, message ${i}`,
    );
  });
}

describe('RTMP chunk relay, randomised', () => {
  it('delivers 400 random sessions intact', () => {
    for (let seed = 1; seed <= 400; seed++) runCase(seed);
  });
});
