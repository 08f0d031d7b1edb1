// The message-level publish path a session switches to when its origin dies (docs/failover.md):
// the publisher's connection stays; its chunks are reassembled into messages (sequence headers
// kept, media dropped while no origin is attached), and once a new origin has accepted the
// publish, the cached metadata and sequence headers are replayed at the timestamp of the next
// keyframe, which follows with everything after it, re-chunked for the new origin. Timestamps
// are the publisher's own, so the origin sees one continuous, monotonic stream starting there.
// Per-message copies are the price of this degraded mode; the normal path stays zero-copy.

import type { Socket } from 'node:net';
import { StallTimer } from '../relay-pipe.ts';
import type { BackendSession } from './backend-phase.ts';
import type { ChunkStates } from './chunk-header.ts';
import type { RelayPosition } from './chunk-relay.ts';
import type { RtmpMessage } from './chunk-writer.ts';
import { decodeCommand, getString, setChunkSize } from './commands.ts';
import { isAudioSequenceHeader, isVideoKeyframe, type MediaHeaders } from './media-headers.ts';
import { MessageReader } from './message-reader.ts';
import { ChunkStream, MessageType } from './message-types.ts';

/** Largest media message taken on this path (a 4K keyframe fits) and bytes held at most. */
const MAX_MEDIA_MESSAGE = 4 * 1024 * 1024;
const MAX_BUFFERED = 8 * 1024 * 1024;
/** Chunk size announced to the new origin: fewer chunk headers than RTMP's 128. */
const ORIGIN_CHUNK_SIZE = 4096;
const CSID_AUDIO = 4;
const CSID_VIDEO = 6;

export interface PublisherRelayDeps {
  client: Socket;
  /** The publisher's message stream id. */
  msid: number;
  headers: MediaHeaders;
  /** The origin stopped taking data or broke the protocol. */
  onOriginLost(detail: string): void;
  /** The new origin refused the stream, or the publisher sent something unusable. */
  onFailure(reason: 'backend_refused' | 'bad_input', detail: string): void;
  /** The first media reached the new origin. */
  onResumed(): void;
  stallMs: number;
  counters: { bytes: number };
}

interface Origin {
  socket: Socket;
  session: BackendSession;
  /** Waiting for the keyframe to start from. */
  waiting: boolean;
}

export class PublisherRelay {
  private readonly reader: MessageReader;
  private skip: number;
  private origin: Origin | undefined;
  private readonly stall: StallTimer;
  private readonly onData = (data: Buffer) => {
    try {
      this.push(data);
    } catch (err) {
      this.deps.onFailure('bad_input', `relay from client: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  /** Takes over the publisher's socket from a zero-copy relay stopped at `position`. */
  constructor(
    private readonly deps: PublisherRelayDeps,
    position: RelayPosition,
    sourceStates: ChunkStates,
  ) {
    this.reader = new MessageReader({
      maxMessageSize: MAX_MEDIA_MESSAGE,
      maxBuffered: MAX_BUFFERED,
      resumeMidStream: true,
    });
    for (const [csid, state] of sourceStates) this.reader.states.set(csid, { ...state });
    this.reader.chunkSize = position.chunkSize;
    this.skip = position.skip;
    this.stall = new StallTimer(deps.stallMs, () =>
      this.deps.onOriginLost(`origin took no data for ${deps.stallMs / 1000} s`),
    );
    if (position.carry.length) this.reader.push(position.carry);
    deps.client.on('data', this.onData);
    deps.client.resume();
  }

  /** A new origin accepted the publish: media resumes from the next keyframe. */
  attach(socket: Socket, session: BackendSession, leftover: Buffer): void {
    this.origin = { socket, session, waiting: true };
    session.writer.chunkSize = ORIGIN_CHUNK_SIZE;
    socket.write(session.writer.encode(ChunkStream.ProtocolControl, setChunkSize(ORIGIN_CHUNK_SIZE)));
    // The origin's answers (onStatus, acks) are read and dropped: the publisher already has its own.
    const fromOrigin = (data: Buffer) => {
      try {
        session.reader.push(data);
        for (let m = session.reader.next(); m; m = session.reader.next()) this.fromOrigin(m);
      } catch (err) {
        this.deps.onOriginLost(`origin: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    socket.on('data', fromOrigin);
    socket.on('drain', this.resume);
    if (leftover.length) fromOrigin(leftover);
    socket.resume();
    this.push(Buffer.alloc(0));
  }

  /** The origin is gone: drop media until the next one is attached. */
  detachOrigin(): void {
    if (!this.origin) return;
    this.origin.socket.off('drain', this.resume);
    this.origin = undefined;
    this.resume();
  }

  stop(): void {
    this.deps.client.off('data', this.onData);
    this.detachOrigin();
  }

  private readonly resume = (): void => {
    this.stall.stop();
    this.deps.client.resume();
  };

  private push(data: Buffer): void {
    let d = data;
    if (this.skip > 0) {
      const n = Math.min(this.skip, d.length);
      this.skip -= n;
      d = d.subarray(n);
    }
    if (d.length) this.reader.push(d);
    for (let m = this.reader.next(); m; m = this.reader.next()) this.forward(m);
  }

  private forward(m: RtmpMessage): void {
    this.deps.headers.observe(m);
    const origin = this.origin;
    if (!origin) return;
    const media = m.type === MessageType.Audio || m.type === MessageType.Video;
    if (!media && m.type !== MessageType.DataAmf0 && m.type !== MessageType.CommandAmf0) return;
    const msid = m.msid === this.deps.msid ? origin.session.msid : m.msid;
    if (origin.waiting) {
      if (!this.startsHere(m)) return;
      origin.waiting = false;
      for (const h of this.deps.headers.replay(msid, m.timestamp)) this.write(origin, h);
      this.deps.onResumed();
    }
    this.write(origin, { ...m, msid });
  }

  /** The message a new origin can start from: a video keyframe, or any audio frame without video. */
  private startsHere(m: RtmpMessage): boolean {
    if (m.type === MessageType.Video) return isVideoKeyframe(m.payload);
    if (m.type !== MessageType.Audio || this.deps.headers.sawVideo || m.payload.length < 2) return false;
    return !isAudioSequenceHeader(m.payload[0] as number, m.payload[1] as number);
  }

  private write(origin: Origin, m: RtmpMessage): void {
    const csid =
      m.type === MessageType.Audio
        ? CSID_AUDIO
        : m.type === MessageType.Video
          ? CSID_VIDEO
          : m.msid === 0
            ? ChunkStream.OverConnection
            : ChunkStream.OverStream;
    const bytes = origin.session.writer.encode(csid, m);
    this.deps.counters.bytes += bytes.length;
    if (!origin.socket.write(bytes)) {
      this.deps.client.pause();
      this.stall.start();
    }
  }

  private fromOrigin(m: RtmpMessage): void {
    if (m.type !== MessageType.CommandAmf0) return;
    const command = decodeCommand(m);
    if (command.name === '_error' || (command.name === 'onStatus' && getString(command.args[0], 'level') === 'error')) {
      const info = command.args[0];
      this.deps.onFailure('backend_refused', `new origin refused the stream: ${getString(info, 'code') ?? ''}`);
    }
  }
}
