// SRT packet header (draft-sharabayko-srt section 3). Pure; bounds-checked.
//
//   data:     0|sequence number(31) | PP O KK R message number | timestamp | destination socket id
//   control:  1|control type(15) subtype(16) | type-specific info | timestamp | destination socket id | CIF...

import { ProtocolError } from '../../shared/errors.ts';

export const SRT_HEADER_SIZE = 16;

export const ControlType = {
  Handshake: 0x0000,
  KeepAlive: 0x0001,
  Ack: 0x0002,
  Nak: 0x0003,
  Shutdown: 0x0005,
  AckAck: 0x0006,
} as const;

export function isControl(buf: Buffer): boolean {
  return buf.length >= SRT_HEADER_SIZE && ((buf[0] as number) & 0x80) !== 0;
}

export function controlType(buf: Buffer): number {
  if (buf.length < SRT_HEADER_SIZE) throw new ProtocolError('SRT packet shorter than its header');
  return buf.readUInt16BE(0) & 0x7fff;
}

export function destinationSocketId(buf: Buffer): number {
  if (buf.length < SRT_HEADER_SIZE) throw new ProtocolError('SRT packet shorter than its header');
  return buf.readUInt32BE(12);
}

/** A control packet header: type, type-specific info, timestamp, destination socket id. */
export function encodeControlHeader(type: number, info: number, timestamp: number, destination: number): Buffer {
  const buf = Buffer.alloc(SRT_HEADER_SIZE);
  buf.writeUInt16BE(0x8000 | type, 0);
  buf.writeUInt16BE(0, 2);
  buf.writeUInt32BE(info >>> 0, 4);
  buf.writeUInt32BE(timestamp >>> 0, 8);
  buf.writeUInt32BE(destination >>> 0, 12);
  return buf;
}
