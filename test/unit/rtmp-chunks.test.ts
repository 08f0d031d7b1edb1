import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkWriter, type RtmpMessage } from '../../dataplane/rtmp/chunk-writer.ts';
import { setChunkSize } from '../../dataplane/rtmp/commands.ts';
import { MessageReader } from '../../dataplane/rtmp/message-reader.ts';
import { ProtocolError } from '../../shared/errors.ts';
import { CompressingEncoder, media } from '../helpers/rtmp-chunks.ts';

const reader = () => new MessageReader({ maxMessageSize: 1 << 24, maxBuffered: 1 << 26 });

function readAll(r: MessageReader, data: Buffer, stepBytes = data.length): RtmpMessage[] {
  const out: RtmpMessage[] = [];
  for (let at = 0; at < data.length; at += stepBytes) {
    r.push(data.subarray(at, at + stepBytes));
    for (let m = r.next(); m; m = r.next()) out.push({ ...m, payload: Buffer.from(m.payload) });
  }
  return out;
}

describe('RTMP chunk headers', () => {
  it('decodes a hand-assembled fixture with fmt 0, 1, 2 and 3 headers', () => {
    // csid 4: fmt0 ts=1000 len=3 type=8 msid=1 | fmt1 delta=40 len=2 type=9 | fmt2 delta=20 | fmt3 (delta 20 again)
    const fixture = Buffer.from([
      0x04, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x03, 0x08, 0x01, 0x00, 0x00, 0x00, 0xa1, 0xa2, 0xa3, 0x44, 0x00, 0x00, 0x28,
      0x00, 0x00, 0x02, 0x09, 0xb1, 0xb2, 0x84, 0x00, 0x00, 0x14, 0xc1, 0xc2, 0xc4, 0xd1, 0xd2,
    ]);
    const messages = readAll(reader(), fixture);
    assert.deepEqual(
      messages.map((m) => [m.type, m.msid, m.timestamp, [...m.payload]]),
      [
        [8, 1, 1000, [0xa1, 0xa2, 0xa3]],
        [9, 1, 1040, [0xb1, 0xb2]],
        [9, 1, 1060, [0xc1, 0xc2]],
        [9, 1, 1080, [0xd1, 0xd2]],
      ],
    );
  });

  it('reassembles interleaved chunk streams, two- and three-byte chunk stream ids', () => {
    const enc = new CompressingEncoder(128);
    const a = enc.encode(4, media(8, 0, 300, 1, 1));
    const b = enc.encode(70, media(9, 0, 300, 1, 2));
    const c = enc.encode(400, media(9, 5, 10, 1, 3));
    // Interleave chunk by chunk: a has 3 chunks (12+128, 1+128, 1+44), b too (2-byte csid).
    const aChunks = [a.subarray(0, 140), a.subarray(140, 269), a.subarray(269)];
    const bChunks = [b.subarray(0, 141), b.subarray(141, 271), b.subarray(271)];
    const data = Buffer.concat([aChunks[0]!, bChunks[0]!, aChunks[1]!, c, bChunks[1]!, aChunks[2]!, bChunks[2]!]);
    const messages = readAll(reader(), data);
    assert.deepEqual(
      messages.map((m) => m.payload.length),
      [10, 300, 300],
    );
    assert.ok(messages[1]!.payload.equals(media(8, 0, 300, 1, 1).payload));
    assert.ok(messages[2]!.payload.equals(media(9, 0, 300, 1, 2).payload));
  });

  it('follows chunk size changes and extended timestamps, fed one byte at a time', () => {
    const enc = new CompressingEncoder(128);
    const w = new ChunkWriter();
    const sent = [
      media(9, 0xfffffe, 200),
      media(9, 0x1000010, 200), // extended (fmt 1 with extended delta? no: delta small, fmt 2/3)
    ];
    const parts = [enc.encode(6, sent[0]!), enc.encode(6, sent[1]!)];
    parts.push(w.encode(2, setChunkSize(4096)));
    enc.chunkSize = 4096;
    const big = media(9, 0x2000000, 9000);
    parts.push(enc.encode(6, big));
    const messages = readAll(reader(), Buffer.concat(parts), 1);
    assert.deepEqual(
      messages.map((m) => [m.type, m.timestamp, m.payload.length]),
      [
        [9, 0xfffffe, 200],
        [9, 0x1000010, 200],
        [1, 0, 4],
        [9, 0x2000000, 9000],
      ],
    );
    assert.ok(messages[3]!.payload.equals(big.payload));
  });

  it('round-trips ChunkWriter output through the reader', () => {
    const w = new ChunkWriter();
    w.chunkSize = 100;
    const sent = [media(8, 0, 0), media(9, 33, 1000), media(18, 0xffffffff, 250, 7)];
    const data = Buffer.concat(sent.map((m, i) => w.encode(3 + i, m)));
    const r = reader();
    r.chunkSize = 100;
    const got = readAll(r, data);
    assert.deepEqual(
      got.map((m) => [m.type, m.msid, m.timestamp, m.payload.length]),
      sent.map((m) => [m.type, m.msid, m.timestamp, m.payload.length]),
    );
  });

  it('rejects fmt 1-3 on an unknown chunk stream, absurd sizes and lengths', () => {
    assert.throws(() => readAll(reader(), Buffer.from([0x44, 0, 0, 0, 0, 0, 1, 8, 0])), ProtocolError);
    assert.throws(() => readAll(reader(), new ChunkWriter().encode(2, setChunkSize(0x7fffffff))), /chunk size/);
    assert.throws(() => readAll(reader(), new ChunkWriter().encode(2, setChunkSize(0))), /chunk size/);
    const small = new MessageReader({ maxMessageSize: 1024, maxBuffered: 4096 });
    assert.throws(() => readAll(small, Buffer.from([0x04, 0, 0, 0, 0xff, 0xff, 0xff, 9, 1, 0, 0, 0])), /exceeds/);
    const tiny = new MessageReader({ maxMessageSize: 1 << 20, maxBuffered: 64 });
    assert.throws(() => tiny.push(Buffer.alloc(65)), /buffered/);
  });

  it('waits on a truncated chunk without throwing', () => {
    const data = new ChunkWriter().encode(3, media(20, 0, 50));
    const r = reader();
    r.push(data.subarray(0, data.length - 1));
    assert.equal(r.next(), null);
    r.push(data.subarray(data.length - 1));
    assert.equal(r.next()?.payload.length, 50);
  });
});
