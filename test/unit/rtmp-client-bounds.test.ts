// What an RTMP client can make the command-phase reader hold: bytes (unparsed plus the declared
// size of partial messages), partial messages at once, and chunk streams.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkWriter } from '../../dataplane/rtmp/chunk-writer.ts';
import { setChunkSize } from '../../dataplane/rtmp/commands.ts';
import { MessageReader } from '../../dataplane/rtmp/message-reader.ts';
import { media } from '../helpers/rtmp-chunks.ts';

const KIB = 1024;

/** The first `chunks` whole chunks of a `size`-byte message written at `chunkSize` on `csid` (< 64). */
function prefix(csid: number, size: number, chunks: number, chunkSize: number): Buffer {
  const w = new ChunkWriter();
  w.chunkSize = chunkSize;
  return w.encode(csid, media(9, 0, size, 1, csid)).subarray(0, 12 + chunkSize + (chunks - 1) * (1 + chunkSize));
}

function feed(r: MessageReader, data: Buffer): void {
  for (let at = 0; at < data.length; at += 1500) {
    r.push(data.subarray(at, at + 1500));
    while (r.next());
  }
}

const commandPhase = () =>
  new MessageReader({ maxMessageSize: 64 * KIB, maxBuffered: 64 * KIB, maxPartials: 4, maxChunkStreams: 16 });

describe('RTMP command-phase bounds', () => {
  it('counts the declared size of every partial message against the byte bound', () => {
    const r = commandPhase();
    feed(r, new ChunkWriter().encode(2, setChunkSize(4096)));
    // Two 28 KiB messages in progress, 4 KiB of each received: 56 KiB held, within 64 KiB.
    feed(r, prefix(4, 28 * KIB, 1, 4096));
    feed(r, prefix(5, 28 * KIB, 1, 4096));
    assert.equal(r.held, 56 * KIB);
    // A third would make 84 KiB: refused as soon as its first chunk arrives, not once it is sent.
    assert.throws(() => feed(r, prefix(6, 28 * KIB, 1, 4096)), /would buffer more than 65536 bytes/);
    // Unparsed bytes count too.
    const r2 = commandPhase();
    feed(r2, prefix(4, 60 * KIB, 1, 128));
    assert.throws(() => r2.push(Buffer.alloc(5 * KIB)), /more than 65536 bytes buffered/);
  });

  it('refuses more partial messages at once than allowed, however small', () => {
    const r = commandPhase();
    for (const csid of [4, 5, 6, 7]) feed(r, prefix(csid, 1000, 1, 128));
    assert.throws(() => feed(r, prefix(8, 1000, 1, 128)), /more than 4 interleaved messages/);
  });

  it('refuses more chunk streams than allowed, even with empty messages', () => {
    const r = commandPhase();
    const w = new ChunkWriter();
    for (let csid = 2; csid < 18; csid++) feed(r, w.encode(csid, media(9, 0, 0)));
    assert.throws(() => feed(r, w.encode(18, media(9, 0, 0))), /more than 16 chunk streams/);
  });

  it('frees a message once complete, and an aborted or replaced one at once', () => {
    const r = commandPhase();
    const w = new ChunkWriter();
    for (let i = 0; i < 50; i++) feed(r, w.encode(3, media(20, i, 40 * KIB)));
    assert.equal(r.held, 0);
    feed(r, prefix(4, 40 * KIB, 2, 128));
    assert.ok(r.held >= 40 * KIB);
    const abort = Buffer.alloc(4);
    abort.writeUInt32BE(4);
    feed(r, w.encode(2, { type: 2, msid: 0, timestamp: 0, payload: abort }));
    assert.equal(r.held, 0);
    feed(r, prefix(5, 40 * KIB, 2, 128));
    feed(r, prefix(5, 20 * KIB, 2, 128));
    assert.ok(r.held >= 20 * KIB && r.held < 40 * KIB, `${r.held}`);
  });
});
