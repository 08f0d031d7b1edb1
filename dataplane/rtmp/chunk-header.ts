// RTMP chunk headers: parsing against per-chunk-stream state, and encoding. Pure; no I/O.
//
//   basic header   fmt(2 bits) csid(6 bits) [csid-64 (1 or 2 bytes) when csid field is 0 or 1]
//   fmt 0 (11 B)   timestamp(3) length(3) type(1) message stream id(4, little endian)
//   fmt 1 (7 B)    timestamp delta(3) length(3) type(1)
//   fmt 2 (3 B)    timestamp delta(3)
//   fmt 3 (0 B)    everything inherited
//   extended timestamp (4) follows when the 3-byte field is 0xFFFFFF (and on fmt 3 chunks of such a stream)

import { ProtocolError } from '../../shared/errors.ts';

export const MAX_CHUNK_SIZE = 65_536;
export const DEFAULT_CHUNK_SIZE = 128;
const EXTENDED = 0xffffff;
/** An upper bound on header bytes: 3 basic + 11 message + 4 extended. */
export const MAX_HEADER_SIZE = 18;

/** The message fields a chunk header carries or inherits. */
interface ChunkMessageFields {
  timestamp: number;
  /** The value fmt 3 adds for a new message: the last delta (or fmt 0 timestamp, as ffmpeg does). */
  delta: number;
  length: number;
  type: number;
  msid: number;
  /** Whether the last header used an extended timestamp (fmt 3 chunks then carry one too). */
  extended: boolean;
}

/** What a peer's decoder remembers about one chunk stream. */
export interface ChunkStreamState extends ChunkMessageFields {
  /** Payload bytes still due for the current message; 0 between messages. */
  remaining: number;
}

export type ChunkStates = Map<number, ChunkStreamState>;

/** One parsed chunk header, with the state the header leads to. Reused between calls. */
export interface ChunkHeader extends ChunkMessageFields {
  csid: number;
  fmt: number;
  /** Offsets in the buffer given to readChunkHeader. */
  headerStart: number;
  payloadStart: number;
  payloadLength: number;
  messageStart: boolean;
  /** Payload bytes of the message left after this chunk. */
  remainingAfter: number;
}

export function newChunkHeader(): ChunkHeader {
  return {
    csid: 0,
    fmt: 0,
    headerStart: 0,
    payloadStart: 0,
    payloadLength: 0,
    messageStart: true,
    timestamp: 0,
    delta: 0,
    length: 0,
    type: 0,
    msid: 0,
    extended: false,
    remainingAfter: 0,
  };
}

const u24 = (buf: Buffer, at: number) =>
  ((buf[at] as number) << 16) | ((buf[at + 1] as number) << 8) | (buf[at + 2] as number);

/**
 * Parses the chunk header at `offset` into `out` without changing `states`.
 * Returns false when `buf` does not yet hold the whole header. Throws ProtocolError on a
 * header that cannot follow the chunk stream's state.
 */
export function readChunkHeader(
  buf: Buffer,
  offset: number,
  chunkSize: number,
  states: ChunkStates,
  out: ChunkHeader,
): boolean {
  let at = offset;
  if (at >= buf.length) return false;
  const first = buf[at++] as number;
  const fmt = first >> 6;
  let csid = first & 0x3f;
  if (csid === 0) {
    if (at + 1 > buf.length) return false;
    csid = 64 + (buf[at++] as number);
  } else if (csid === 1) {
    if (at + 2 > buf.length) return false;
    csid = 64 + (buf[at] as number) + (buf[at + 1] as number) * 256;
    at += 2;
  }
  const prev = states.get(csid);
  if (fmt !== 0 && !prev)
    throw new ProtocolError(`chunk fmt ${fmt} on chunk stream ${csid} that has no previous header`);

  const headerBytes = fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0;
  if (at + headerBytes > buf.length) return false;
  // A full header mid-message starts a new message (the partial one is dropped), as librtmp does.
  const messageStart = fmt !== 3 || !prev || prev.remaining === 0;

  let field = 0;
  let length = prev?.length ?? 0;
  let type = prev?.type ?? 0;
  let msid = prev?.msid ?? 0;
  if (fmt <= 2) field = u24(buf, at);
  if (fmt <= 1) {
    length = u24(buf, at + 3);
    type = buf[at + 6] as number;
  }
  if (fmt === 0) msid = buf.readUInt32LE(at + 7);
  at += headerBytes;

  const extended = fmt === 3 ? (prev?.extended ?? false) : field === EXTENDED;
  if (extended) {
    if (at + 4 > buf.length) return false;
    field = buf.readUInt32BE(at);
    at += 4;
  }

  let timestamp: number;
  let delta: number;
  if (fmt === 0) {
    timestamp = field;
    delta = field;
  } else {
    const p = prev as ChunkStreamState;
    delta = fmt === 3 ? p.delta : field;
    timestamp = messageStart ? (p.timestamp + delta) >>> 0 : p.timestamp;
  }

  const due = messageStart ? length : (prev as ChunkStreamState).remaining;
  const payloadLength = due < chunkSize ? due : chunkSize;

  out.csid = csid;
  out.fmt = fmt;
  out.headerStart = offset;
  out.payloadStart = at;
  out.payloadLength = payloadLength;
  out.messageStart = messageStart;
  out.timestamp = timestamp;
  out.delta = delta;
  out.length = length;
  out.type = type;
  out.msid = msid;
  out.extended = extended;
  out.remainingAfter = due - payloadLength;
  return true;
}

/** Applies a parsed header to a decoder's state (after its payload has been taken). */
export function commitChunkHeader(states: ChunkStates, h: ChunkHeader, msid: number = h.msid): void {
  let s = states.get(h.csid);
  if (!s) {
    s = { timestamp: 0, delta: 0, length: 0, type: 0, msid: 0, extended: false, remaining: 0 };
    states.set(h.csid, s);
  }
  s.timestamp = h.timestamp;
  s.delta = h.delta;
  s.length = h.length;
  s.type = h.type;
  s.msid = msid;
  s.extended = h.extended;
  s.remaining = h.remainingAfter;
}

function basicHeaderSize(csid: number): number {
  return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

function writeBasicHeader(buf: Buffer, fmt: number, csid: number): number {
  if (csid < 2 || csid > 65_599) throw new ProtocolError(`chunk stream id ${csid} out of range`);
  if (csid < 64) {
    buf[0] = (fmt << 6) | csid;
    return 1;
  }
  if (csid < 320) {
    buf[0] = fmt << 6;
    buf[1] = csid - 64;
    return 2;
  }
  buf[0] = (fmt << 6) | 1;
  buf.writeUInt16LE(csid - 64, 1);
  return 3;
}

/** A fmt 0 header (absolute timestamp, full fields). */
export function encodeFmt0Header(csid: number, timestamp: number, length: number, type: number, msid: number): Buffer {
  const extended = timestamp >= EXTENDED;
  const buf = Buffer.allocUnsafe(basicHeaderSize(csid) + 11 + (extended ? 4 : 0));
  let at = writeBasicHeader(buf, 0, csid);
  buf.writeUIntBE(extended ? EXTENDED : timestamp, at, 3);
  buf.writeUIntBE(length, at + 3, 3);
  buf[at + 6] = type;
  buf.writeUInt32LE(msid, at + 7);
  at += 11;
  if (extended) buf.writeUInt32BE(timestamp, at);
  return buf;
}

/** A fmt 3 (continuation) header, with the extended timestamp when the stream uses one. */
export function encodeFmt3Header(csid: number, extendedTimestamp?: number): Buffer {
  const buf = Buffer.allocUnsafe(basicHeaderSize(csid) + (extendedTimestamp === undefined ? 0 : 4));
  const at = writeBasicHeader(buf, 3, csid);
  if (extendedTimestamp !== undefined) buf.writeUInt32BE(extendedTimestamp, at);
  return buf;
}

/** The state a decoder holds after a fmt 0 header with these fields. */
export function stateAfterFmt0(
  timestamp: number,
  length: number,
  type: number,
  msid: number,
  remaining: number,
): ChunkStreamState {
  return { timestamp, delta: timestamp, length, type, msid, extended: timestamp >= EXTENDED, remaining };
}
