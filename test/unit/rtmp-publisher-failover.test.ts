// Publisher failover pieces: the chunk relay's tap keeps metadata and sequence headers whatever
// the read splits; a relay stopped mid-chunk hands the publisher to the message-level path, which
// starts a new origin at the next keyframe with the headers replayed at its timestamp.
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import type { ChunkStates } from '../../dataplane/rtmp/chunk-header.ts';
import { ChunkRelay } from '../../dataplane/rtmp/chunk-relay.ts';
import { ChunkWriter, type RtmpMessage } from '../../dataplane/rtmp/chunk-writer.ts';
import { commandMessage } from '../../dataplane/rtmp/commands.ts';
import {
  isVideoKeyframe,
  isVideoSequenceHeader,
  MAX_HEADER_BYTES,
  MediaHeaders,
} from '../../dataplane/rtmp/media-headers.ts';
import { MessageReader } from '../../dataplane/rtmp/message-reader.ts';
import { MessageType } from '../../dataplane/rtmp/message-types.ts';
import { PublisherRelay } from '../../dataplane/rtmp/publisher-relay.ts';
import { CompressingEncoder } from '../helpers/rtmp-chunks.ts';
import { runSeed, seededRandom } from '../helpers/seeded-random.ts';

const SEED = runSeed();
const MSID = 1;

function message(type: number, timestamp: number, head: number[], size: number): RtmpMessage {
  const payload = Buffer.alloc(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 7 + timestamp) & 0xff;
  Buffer.from(head).copy(payload);
  return { type, msid: MSID, timestamp, payload };
}

const metadata: RtmpMessage = {
  ...commandMessage(MSID, '@setDataFrame', 'onMetaData', { width: 320, height: 240, encoder: 'x'.repeat(300) }),
  type: MessageType.DataAmf0,
};
const videoHeader = message(MessageType.Video, 0, [0x17, 0, 0, 0, 0], 300);
const audioHeader = message(MessageType.Audio, 0, [0xaf, 0, 0x12, 0x10], 4);
const keyframe = (ts: number) => message(MessageType.Video, ts, [0x17, 1, 0, 0, 0], 5000);
const inter = (ts: number) => message(MessageType.Video, ts, [0x27, 1, 0, 0, 0], 700);
const audio = (ts: number) => message(MessageType.Audio, ts, [0xaf, 1], 200);

/** The publisher's stream after its publish command: chunk size 128, fmt 0-3 as ffmpeg writes. */
function encode(messages: RtmpMessage[]): Buffer {
  const enc = new CompressingEncoder(128);
  return Buffer.concat(
    messages.map((m) => enc.encode(m.type === MessageType.Audio ? 4 : m.type === MessageType.Video ? 6 : 5, m)),
  );
}

function relay(headers?: MediaHeaders, source: ChunkStates = new Map()) {
  return new ChunkRelay({ source, sink: new Map(), chunkSize: 128, msidFrom: MSID, msidTo: 7, tap: headers });
}

describe('publisher failover', () => {
  it('tells sequence headers and keyframes apart (legacy AVC/HEVC, enhanced RTMP)', () => {
    assert.equal(isVideoSequenceHeader(0x17, 0), true);
    assert.equal(isVideoSequenceHeader(0x1c, 0), true);
    assert.equal(isVideoSequenceHeader(0x90, 0x68), true);
    assert.equal(isVideoSequenceHeader(0x17, 1), false);
    assert.equal(isVideoKeyframe(Buffer.from([0x17, 1])), true);
    assert.equal(isVideoKeyframe(Buffer.from([0x17, 0])), false);
    assert.equal(isVideoKeyframe(Buffer.from([0x27, 1])), false);
    assert.equal(isVideoKeyframe(Buffer.from([0x91, 0x68])), true);
  });

  it('keeps metadata and sequence headers from the zero-copy relay whatever the read splits, relaying the same bytes', () => {
    const stream = encode([metadata, videoHeader, audioHeader, keyframe(0), audio(10), inter(40), audio(30)]);
    const rnd = seededRandom(SEED);
    for (let run = 0; run < 50; run++) {
      const headers = new MediaHeaders();
      const tapped = relay(headers);
      const plain = relay();
      const a: Buffer[] = [];
      const b: Buffer[] = [];
      for (let at = 0; at < stream.length; ) {
        const n = 1 + Math.floor(rnd() * 400);
        const piece = stream.subarray(at, at + n);
        tapped.push(piece, a);
        plain.push(piece, b);
        at += n;
      }
      assert.deepEqual(Buffer.concat(a), Buffer.concat(b), `seed ${SEED} run ${run}: the tap changes nothing relayed`);
      assert.deepEqual(headers.metadata, metadata.payload, `seed ${SEED} run ${run}`);
      assert.deepEqual(headers.video, videoHeader.payload, `seed ${SEED} run ${run}`);
      assert.deepEqual(headers.audio, audioHeader.payload, `seed ${SEED} run ${run}`);
      assert.equal(headers.sawVideo, true);
    }
  });

  it('keeps no header larger than its bound', () => {
    const headers = new MediaHeaders();
    const huge = message(MessageType.Video, 0, [0x17, 0], MAX_HEADER_BYTES + 1);
    relay(headers).push(encode([huge]), []);
    headers.observe(huge);
    assert.equal(headers.video, undefined);
  });

  it('resumes a relay cut mid-chunk on a new origin at the next keyframe, headers first at its timestamp', async () => {
    const headers = new MediaHeaders();
    const source: ChunkStates = new Map();
    const zeroCopy = relay(headers, source);
    const before = encode([metadata, videoHeader, audioHeader, keyframe(0), audio(10), inter(40), keyframe(80)]);
    const after = encode([inter(120), audio(130), keyframe(160), audio(170), inter(200)]);
    // Cut inside the last keyframe's payload: its rest must be skipped, not parsed as headers.
    const cut = before.length - 1000;
    zeroCopy.push(before.subarray(0, cut), []);
    const [publisher, clientSide] = await socketPair();
    const [originSide, origin] = await socketPair();
    const lost: string[] = [];
    const relayed = new PublisherRelay(
      {
        client: clientSide,
        msid: MSID,
        headers,
        stallMs: 5_000,
        counters: { bytes: 0 },
        onOriginLost: (why) => lost.push(why),
        onFailure: (reason, why) => lost.push(`${reason}: ${why}`),
        onResumed: () => {},
      },
      zeroCopy.detach(),
      source,
    );
    const session = {
      reader: new MessageReader({ maxMessageSize: 1 << 16, maxBuffered: 1 << 20 }),
      writer: new ChunkWriter(),
      msid: 9,
    };
    relayed.attach(originSide, session, Buffer.alloc(0));
    const got: RtmpMessage[] = [];
    const reader = new MessageReader({ maxMessageSize: 1 << 20, maxBuffered: 1 << 22 });
    origin.on('data', (d: Buffer) => {
      reader.push(d);
      for (let m = reader.next(); m; m = reader.next()) if (m.type !== MessageType.SetChunkSize) got.push(m);
    });
    publisher.write(Buffer.concat([before.subarray(cut), after]));
    const deadline = Date.now() + 5_000;
    while (got.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    relayed.stop();
    for (const s of [publisher, clientSide, originSide, origin]) s.destroy();
    assert.deepEqual(lost, []);
    assert.deepEqual(
      got.map((m) => [m.type, m.timestamp, m.msid, m.payload.length]),
      [
        [MessageType.DataAmf0, 160, 9, metadata.payload.length],
        [MessageType.Video, 160, 9, videoHeader.payload.length],
        [MessageType.Audio, 160, 9, audioHeader.payload.length],
        [MessageType.Video, 160, 9, 5000],
        [MessageType.Audio, 170, 9, 200],
        [MessageType.Video, 200, 9, 700],
      ],
    );
    assert.deepEqual(got[3]?.payload, keyframe(160).payload);
    assert.deepEqual(got[1]?.payload, videoHeader.payload);
  });
});

/** Two ends of one loopback TCP connection, both connected. */
function socketPair(): Promise<[Socket, Socket]> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.once('connection', (accepted) => {
        server.close();
        dialed.once('connect', () => resolve([dialed, accepted]));
        if (!dialed.connecting) resolve([dialed, accepted]);
      });
      const dialed = connect(port, '127.0.0.1');
    });
  });
}
