import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChunkStates } from '../../dataplane/rtmp/chunk-header.ts';
import { ChunkRelay } from '../../dataplane/rtmp/chunk-relay.ts';
import { ChunkWriter, type RtmpMessage } from '../../dataplane/rtmp/chunk-writer.ts';
import { commandMessage, setChunkSize } from '../../dataplane/rtmp/commands.ts';
import { MessageReader } from '../../dataplane/rtmp/message-reader.ts';
import { CompressingEncoder, media } from '../helpers/rtmp-chunks.ts';
import { runSeed, seededRandom } from '../helpers/seeded-random.ts';

const SEED = runSeed();

function cloneStates(states: ChunkStates): ChunkStates {
  return new Map([...states].map(([k, v]) => [k, { ...v }]));
}

/** A source peer after a command phase, a sink decoder after ours, and a relay between them. */
function setup(msidTo: number, sourceChunkSize = 4096) {
  const enc = new CompressingEncoder(128);
  const sourceReader = new MessageReader({ maxMessageSize: 1 << 20, maxBuffered: 1 << 22 });
  // Source side: connect, a chunk-size change, createStream, publish (what our reader consumed).
  const cmd = Buffer.concat([
    enc.encode(3, commandMessage(0, 'connect', 1, { app: 'live' })),
    new ChunkWriter().encode(2, setChunkSize(sourceChunkSize)),
  ]);
  sourceReader.push(cmd);
  while (sourceReader.next());
  enc.chunkSize = sourceChunkSize;
  sourceReader.push(enc.encode(3, commandMessage(0, 'createStream', 2, null)));
  sourceReader.push(enc.encode(8, commandMessage(1, 'publish', 3, null, 'cam')));
  while (sourceReader.next());
  // Sink side: our own writer's commands, then the chunk-size announcement before relaying.
  const sinkWriter = new ChunkWriter();
  sinkWriter.encode(3, commandMessage(0, 'connect', 1, { app: 'live', tcUrl: 'rtmp://x/live' }));
  sinkWriter.encode(3, commandMessage(0, 'createStream', 4, null));
  sinkWriter.encode(5, commandMessage(msidTo, 'publish', 5, null, 'cam'));
  sinkWriter.encode(2, setChunkSize(sourceChunkSize));
  const sinkReader = new MessageReader({ maxMessageSize: 1 << 24, maxBuffered: 1 << 26 });
  for (const [k, v] of cloneStates(sinkWriter.states)) sinkReader.states.set(k, v);
  sinkReader.chunkSize = sourceChunkSize;
  const relay = new ChunkRelay({
    source: sourceReader.states,
    sink: sinkWriter.states,
    chunkSize: sourceReader.chunkSize,
    msidFrom: 1,
    msidTo,
  });
  return { enc, relay, sinkReader };
}

function mediaSequence(count: number): Array<[number, RtmpMessage]> {
  const out: Array<[number, RtmpMessage]> = [];
  out.push([4, { type: 18, msid: 1, timestamp: 0, payload: Buffer.from('metadata') }]);
  for (let i = 0; i < count; i++) {
    out.push([4, media(8, i * 23, 200 + (i % 3), 1, i)]);
    out.push([6, media(9, i * 40, i % 10 === 0 ? 9000 : 1500 + (i % 7) * 100, 1, i + 7)]);
  }
  return out;
}

function relayAll(relay: ChunkRelay, input: Buffer, pieceSizes: () => number): Buffer {
  const out: Buffer[] = [];
  for (let at = 0; at < input.length; ) {
    const n = Math.max(1, pieceSizes());
    relay.push(input.subarray(at, at + n), out);
    at += n;
  }
  return Buffer.concat(out);
}

function decodeAll(reader: MessageReader, data: Buffer): RtmpMessage[] {
  reader.push(data);
  const got: RtmpMessage[] = [];
  for (let m = reader.next(); m; m = reader.next()) got.push(m);
  return got;
}

describe('RTMP chunk relay', () => {
  for (const msidTo of [1, 3]) {
    it(`delivers every message intact (source msid 1 -> sink msid ${msidTo}), whatever the read sizes`, () => {
      const rnd = seededRandom(SEED);
      const readSizes: Array<[string, () => number]> = [
        ['64 KiB reads', () => 65_536],
        [`random reads, seed ${SEED} (TEST_SEED=${SEED} repeats it)`, () => 1 + Math.floor(rnd() * 5000)],
        ['1-byte reads', () => 1],
      ];
      for (const [reads, pieces] of readSizes) {
        const { enc, relay, sinkReader } = setup(msidTo);
        const sequence = mediaSequence(60);
        const input = Buffer.concat(sequence.map(([csid, m]) => enc.encode(csid, m)));
        const output = relayAll(relay, input, pieces);
        const got = decodeAll(sinkReader, output);
        assert.equal(got.length, sequence.length, reads);
        for (let i = 0; i < got.length; i++) {
          const want = sequence[i]![1];
          assert.equal(got[i]!.timestamp, want.timestamp, `${reads}: timestamp of message ${i}`);
          assert.equal(got[i]!.type, want.type, `${reads}: type of message ${i}`);
          assert.equal(got[i]!.msid, msidTo, `${reads}: msid of message ${i}`);
          assert.ok(got[i]!.payload.equals(want.payload), `${reads}: payload of message ${i}`);
        }
      }
    });
  }

  it('passes bytes through verbatim once both decoders agree', () => {
    const { enc, relay } = setup(1);
    const warm = Buffer.concat(mediaSequence(2).map(([c, m]) => enc.encode(c, m)));
    const warmOut: Buffer[] = [];
    relay.push(warm, warmOut);
    const rewritesAfterWarmup = relay.rewrites;
    assert.ok(rewritesAfterWarmup <= 4, `rewrites ${rewritesAfterWarmup}`);
    const steady = Buffer.concat(
      mediaSequence(40)
        .slice(1)
        .map(([c, m]) => enc.encode(c, media(m.type, m.timestamp + 100_000, m.payload.length))),
    );
    const out: Buffer[] = [];
    relay.push(steady, out);
    assert.equal(relay.rewrites, rewritesAfterWarmup);
    assert.equal(out.length, 1);
    assert.ok(out[0]!.equals(steady));
    assert.equal(out[0]!.buffer, steady.buffer, 'zero-copy: output is a view of the input');
  });

  it('follows a chunk size change in the middle of the relay', () => {
    const { enc, relay, sinkReader } = setup(1, 128);
    const parts = [enc.encode(6, media(9, 0, 1000))];
    parts.push(new ChunkWriter().encode(2, setChunkSize(60_000)));
    enc.chunkSize = 60_000;
    parts.push(enc.encode(6, media(9, 40, 50_000)));
    const got = decodeAll(
      sinkReader,
      relayAll(relay, Buffer.concat(parts), () => 3000),
    );
    assert.deepEqual(
      got.map((m) => [m.type, m.payload.length]),
      [
        [9, 1000],
        [1, 4],
        [9, 50_000],
      ],
    );
    assert.equal(relay.chunkSize, 60_000);
  });

  it('rejects an absurd chunk size and an oversized control message', () => {
    const a = setup(1).relay;
    assert.throws(() => a.push(new ChunkWriter().encode(2, setChunkSize(0x7fffffff)), []), /chunk size/);
    const b = setup(1).relay;
    const fake = new ChunkWriter().encode(2, { type: 1, msid: 0, timestamp: 0, payload: Buffer.alloc(1000) });
    assert.throws(() => b.push(fake, []), /control message/);
  });
});
