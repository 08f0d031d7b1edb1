// What a publisher sent once and a new origin needs again after a failover: the metadata
// (`@setDataFrame onMetaData`) and the video (AVC/HEVC, legacy or enhanced RTMP) and audio (AAC)
// sequence headers. Kept from the zero-copy relay through a chunk tap (copies only those few
// messages) and from whole messages on the message-level path. Bounded: three payloads kept and
// four in progress, of at most MAX_HEADER_BYTES each.

import type { ChunkHeader } from './chunk-header.ts';
import type { RtmpMessage } from './chunk-writer.ts';
import { MessageType } from './message-types.ts';

/** Largest metadata or sequence header kept; bigger ones are not replayed. */
export const MAX_HEADER_BYTES = 64 * 1024;

type Kind = 'metadata' | 'video' | 'audio';

/** Messages copied at once (one per chunk stream; publishers use two or three). */
const MAX_CAPTURES = 4;

const SET_DATA_FRAME = Buffer.from('@setDataFrame');
const ON_METADATA = Buffer.from('onMetaData');

/** Sequence header of the video message starting with bytes b0, b1 (legacy AVC/HEVC or enhanced RTMP). */
export function isVideoSequenceHeader(b0: number, b1: number): boolean {
  if (b0 & 0x80) return (b0 & 0x0f) === 0; // enhanced: PacketTypeSequenceStart
  const codec = b0 & 0x0f;
  return (codec === 7 || codec === 12) && b1 === 0;
}

/** A video keyframe carrying a picture (not a sequence header): where a new origin can start. */
export function isVideoKeyframe(payload: Buffer): boolean {
  if (payload.length < 2) return false;
  const b0 = payload[0] as number;
  if (((b0 >> 4) & 0x07) !== 1) return false;
  if (b0 & 0x80) return (b0 & 0x0f) === 1 || (b0 & 0x0f) === 3; // CodedFrames, CodedFramesX
  const codec = b0 & 0x0f;
  return codec === 7 || codec === 12 ? payload[1] === 1 : true;
}

/** AAC sequence header (AudioSpecificConfig). */
export function isAudioSequenceHeader(b0: number, b1: number): boolean {
  return b0 >> 4 === 10 && b1 === 0;
}

function isMetadata(payload: Buffer): boolean {
  if (payload.length < 3 || payload[0] !== 0x02) return false;
  const len = payload.readUInt16BE(1);
  const name = payload.subarray(3, 3 + len);
  return name.equals(SET_DATA_FRAME) || name.equals(ON_METADATA);
}

interface Capture {
  /** Undecided while fewer than the first two payload bytes have arrived. */
  kind: Kind | undefined;
  type: number;
  payload: Buffer;
  filled: number;
}

export class MediaHeaders {
  metadata: Buffer | undefined;
  video: Buffer | undefined;
  audio: Buffer | undefined;
  /** The publisher sends video: a new origin starts at a video keyframe, not at audio. */
  sawVideo = false;
  /** Messages being copied from the chunk relay, by chunk stream (MAX_CAPTURES at once). */
  private readonly captures = new Map<number, Capture>();

  /** A whole message from the message-level path. */
  observe(m: RtmpMessage): void {
    if (m.payload.length > MAX_HEADER_BYTES) {
      if (m.type === MessageType.Video) this.sawVideo = true;
      return;
    }
    const kind = this.kindOf(m.type, m.payload, 0, m.payload.length);
    if (kind) this.keep(kind, Buffer.from(m.payload));
  }

  /** The chunk relay's tap: one chunk's payload bytes [start, end) of `buf` (header `h`). */
  chunk(h: ChunkHeader, buf: Buffer, start: number, end: number): void {
    if (h.messageStart) {
      if (this.captures.size > 0) this.captures.delete(h.csid);
      if (h.type !== MessageType.Video && h.type !== MessageType.Audio && h.type !== MessageType.DataAmf0) return;
      if (h.type === MessageType.Video) this.sawVideo = true;
      if (h.length > MAX_HEADER_BYTES || this.captures.size >= MAX_CAPTURES) return;
      // The first two bytes say what the message is; a read that cut them off decides later.
      const kind = end - start >= 2 ? this.kindOf(h.type, buf, start, end) : undefined;
      if (!kind && end - start >= 2) return;
      this.captures.set(h.csid, { kind, type: h.type, payload: Buffer.allocUnsafe(h.length), filled: 0 });
    }
    this.more(h.csid, buf, start, end);
  }

  /** More payload of the chunk stream's current chunk (it continued in the next socket read). */
  more(csid: number, buf: Buffer, start: number, end: number): void {
    if (this.captures.size === 0) return;
    const c = this.captures.get(csid);
    if (!c) return;
    c.filled += buf.copy(c.payload, c.filled, start, end);
    if (!c.kind && c.filled >= Math.min(2, c.payload.length)) {
      c.kind = this.kindOf(c.type, c.payload, 0, c.filled);
      if (!c.kind) {
        this.captures.delete(csid);
        return;
      }
    }
    if (c.filled < c.payload.length) return;
    this.captures.delete(csid);
    if (c.kind) this.keep(c.kind, c.payload);
  }

  /** The messages that let a new origin decode from a keyframe at `timestamp`, in order. */
  replay(msid: number, timestamp: number): RtmpMessage[] {
    const out: RtmpMessage[] = [];
    if (this.metadata) out.push({ type: MessageType.DataAmf0, msid, timestamp, payload: this.metadata });
    if (this.video) out.push({ type: MessageType.Video, msid, timestamp, payload: this.video });
    if (this.audio) out.push({ type: MessageType.Audio, msid, timestamp, payload: this.audio });
    return out;
  }

  private kindOf(type: number, buf: Buffer, start: number, end: number): Kind | undefined {
    if (type === MessageType.DataAmf0) {
      // Checked on the whole payload once captured (the name may span chunks).
      return end - start >= 1 && buf[start] === 0x02 ? 'metadata' : undefined;
    }
    if (end - start < 2) return undefined;
    const b0 = buf[start] as number;
    const b1 = buf[start + 1] as number;
    if (type === MessageType.Video) {
      this.sawVideo = true;
      return isVideoSequenceHeader(b0, b1) ? 'video' : undefined;
    }
    if (type === MessageType.Audio) return isAudioSequenceHeader(b0, b1) ? 'audio' : undefined;
    return undefined;
  }

  private keep(kind: Kind, payload: Buffer): void {
    if (kind === 'metadata') {
      if (isMetadata(payload)) this.metadata = payload;
    } else this[kind] = payload;
  }
}
