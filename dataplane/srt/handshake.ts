// SRT handshake control packets (draft-sharabayko-srt section 3.2.1) and HSv5 extensions.
// Pure; every read is bounds-checked; extensions are kept as raw bytes so a relay forwards
// HSREQ/KMREQ/SID/congestion/filter untouched.
//
//   version(32) | encryption(16) extension field(16) | initial sequence number | MTU |
//   max flow window | handshake type | SRT socket id | SYN cookie | peer IP (128)
//   extensions: type(16) length-in-words(16) content...

import { ProtocolError } from '../../shared/errors.ts';
import { ControlType, controlType, isControl, SRT_HEADER_SIZE } from './packet.ts';

export const HANDSHAKE_CIF_SIZE = 48;
export const SRT_MAGIC = 0x4a17;
/** Caller's induction request carries this extension field value (UDT's DGRAM socket type). */
export const INDUCTION_EXTENSION = 2;

export const HandshakeType = {
  Induction: 1,
  Conclusion: 0xffffffff,
  WaveAHand: 0,
  Agreement: 0xfffffffe,
} as const;

/** Rejection reasons sent as the handshake type (SRT_REJX_*: 1000 + HTTP-like code). */
export const Rejection = {
  BadRequest: 1400,
  Unauthorized: 1401,
  NotFound: 1404,
  Unavailable: 1503,
} as const;

export const ExtensionType = {
  HsReq: 1,
  HsRsp: 2,
  KmReq: 3,
  KmRsp: 4,
  Sid: 5,
  Congestion: 6,
  Filter: 7,
  Group: 8,
} as const;

export interface HandshakeExtension {
  type: number;
  /** Content without the 4-byte extension header. */
  content: Buffer;
}

export interface Handshake {
  /** Packet header fields. */
  timestamp: number;
  destination: number;
  version: number;
  encryption: number;
  extensionField: number;
  initialSequence: number;
  mtu: number;
  flowWindow: number;
  type: number;
  socketId: number;
  cookie: number;
  /** 16 raw bytes. */
  peerIp: Buffer;
  extensions: HandshakeExtension[];
}

const MAX_EXTENSIONS = 16;

export function isHandshake(buf: Buffer): boolean {
  return isControl(buf) && controlType(buf) === ControlType.Handshake;
}

export function decodeHandshake(buf: Buffer): Handshake {
  if (!isHandshake(buf)) throw new ProtocolError('not an SRT handshake packet');
  if (buf.length < SRT_HEADER_SIZE + HANDSHAKE_CIF_SIZE) throw new ProtocolError('SRT handshake truncated');
  const at = SRT_HEADER_SIZE;
  const hs: Handshake = {
    timestamp: buf.readUInt32BE(8),
    destination: buf.readUInt32BE(12),
    version: buf.readUInt32BE(at),
    encryption: buf.readUInt16BE(at + 4),
    extensionField: buf.readUInt16BE(at + 6),
    initialSequence: buf.readUInt32BE(at + 8),
    mtu: buf.readUInt32BE(at + 12),
    flowWindow: buf.readUInt32BE(at + 16),
    type: buf.readUInt32BE(at + 20),
    socketId: buf.readUInt32BE(at + 24),
    cookie: buf.readUInt32BE(at + 28),
    peerIp: buf.subarray(at + 32, at + 48),
    extensions: [],
  };
  let ext = at + HANDSHAKE_CIF_SIZE;
  // Only HSv5 conclusion packets carry extensions; anything after an induction is padding.
  if (hs.version >= 5 && hs.type === HandshakeType.Conclusion) {
    while (ext + 4 <= buf.length) {
      const type = buf.readUInt16BE(ext);
      const words = buf.readUInt16BE(ext + 2);
      const end = ext + 4 + words * 4;
      if (end > buf.length) throw new ProtocolError(`SRT handshake extension ${type} runs past the end`);
      if (hs.extensions.length >= MAX_EXTENSIONS) throw new ProtocolError('too many SRT handshake extensions');
      hs.extensions.push({ type, content: buf.subarray(ext + 4, end) });
      ext = end;
    }
  }
  return hs;
}

export function encodeHandshake(hs: Handshake): Buffer {
  const extLength = hs.extensions.reduce((n, e) => n + 4 + Math.ceil(e.content.length / 4) * 4, 0);
  const buf = Buffer.alloc(SRT_HEADER_SIZE + HANDSHAKE_CIF_SIZE + extLength);
  buf.writeUInt16BE(0x8000 | ControlType.Handshake, 0);
  buf.writeUInt32BE(hs.timestamp >>> 0, 8);
  buf.writeUInt32BE(hs.destination >>> 0, 12);
  let at = SRT_HEADER_SIZE;
  buf.writeUInt32BE(hs.version >>> 0, at);
  buf.writeUInt16BE(hs.encryption, at + 4);
  buf.writeUInt16BE(hs.extensionField, at + 6);
  buf.writeUInt32BE(hs.initialSequence >>> 0, at + 8);
  buf.writeUInt32BE(hs.mtu >>> 0, at + 12);
  buf.writeUInt32BE(hs.flowWindow >>> 0, at + 16);
  buf.writeUInt32BE(hs.type >>> 0, at + 20);
  buf.writeUInt32BE(hs.socketId >>> 0, at + 24);
  buf.writeUInt32BE(hs.cookie >>> 0, at + 28);
  hs.peerIp.copy(buf, at + 32, 0, 16);
  at += HANDSHAKE_CIF_SIZE;
  for (const e of hs.extensions) {
    const words = Math.ceil(e.content.length / 4);
    buf.writeUInt16BE(e.type, at);
    buf.writeUInt16BE(words, at + 2);
    e.content.copy(buf, at + 4);
    at += 4 + words * 4;
  }
  return buf;
}

/**
 * The SID extension's stream id. libsrt writes the string as 32-bit words in host (little-endian)
 * order, so every 4-byte group arrives byte-reversed; trailing zero padding is dropped.
 */
export function decodeStreamId(content: Buffer): string {
  if (content.length % 4 !== 0) throw new ProtocolError('SRT stream id length is not a multiple of 4');
  const bytes = Buffer.from(content).swap32();
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return bytes.toString('utf8', 0, end);
}

export function encodeStreamId(streamId: string): Buffer {
  const raw = Buffer.from(streamId, 'utf8');
  const padded = Buffer.alloc(Math.ceil(raw.length / 4) * 4);
  raw.copy(padded);
  return padded.swap32();
}

/** Largest stream id SRT allows (512 bytes). */
export const MAX_STREAM_ID = 512;

export function streamIdOf(hs: Handshake): string | undefined {
  const sid = hs.extensions.find((e) => e.type === ExtensionType.Sid);
  if (!sid) return undefined;
  if (sid.content.length > MAX_STREAM_ID) throw new ProtocolError(`SRT stream id longer than ${MAX_STREAM_ID} bytes`);
  return decodeStreamId(sid.content);
}
