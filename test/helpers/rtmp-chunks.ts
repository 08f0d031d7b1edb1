// A compressing chunk encoder for tests: picks fmt 0/1/2/3 the way ffmpeg and OBS do, so the
// decoder and relay see every header format.
import type { RtmpMessage } from '../../dataplane/rtmp/chunk-writer.ts';

interface Prev {
  timestamp: number;
  delta: number;
  length: number;
  type: number;
  msid: number;
  extended: boolean;
}

function basic(fmt: number, csid: number): Buffer {
  if (csid < 64) return Buffer.from([(fmt << 6) | csid]);
  if (csid < 320) return Buffer.from([fmt << 6, csid - 64]);
  const b = Buffer.from([(fmt << 6) | 1, 0, 0]);
  b.writeUInt16LE(csid - 64, 1);
  return b;
}

const u24 = (v: number) => Buffer.from([(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff]);
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};

export class CompressingEncoder {
  private prev = new Map<number, Prev>();
  constructor(public chunkSize = 128) {}

  encode(csid: number, m: RtmpMessage): Buffer {
    const p = this.prev.get(csid);
    const parts: Buffer[] = [];
    let fmt: number;
    let field: number;
    let delta: number;
    if (!p || p.msid !== m.msid || m.timestamp < p.timestamp) {
      fmt = 0;
      field = m.timestamp;
      delta = m.timestamp;
    } else {
      delta = m.timestamp - p.timestamp;
      field = delta;
      if (p.length !== m.payload.length || p.type !== m.type) fmt = 1;
      else if (p.delta !== delta || p.extended) fmt = 2;
      else fmt = 3;
    }
    const extended = fmt === 3 ? (p?.extended ?? false) : field >= 0xffffff;
    parts.push(basic(fmt, csid));
    const f = extended ? 0xffffff : field;
    if (fmt === 0) {
      const msid = Buffer.alloc(4);
      msid.writeUInt32LE(m.msid);
      parts.push(u24(f), u24(m.payload.length), Buffer.from([m.type]), msid);
    } else if (fmt === 1) parts.push(u24(f), u24(m.payload.length), Buffer.from([m.type]));
    else if (fmt === 2) parts.push(u24(f));
    if (extended) parts.push(u32(field));
    let at = 0;
    for (;;) {
      const end = Math.min(at + this.chunkSize, m.payload.length);
      parts.push(m.payload.subarray(at, end));
      at = end;
      if (at >= m.payload.length) break;
      parts.push(basic(3, csid));
      if (extended) parts.push(u32(field));
    }
    this.prev.set(csid, {
      timestamp: m.timestamp,
      delta,
      length: m.payload.length,
      type: m.type,
      msid: m.msid,
      extended,
    });
    return Buffer.concat(parts);
  }
}

export function media(type: number, timestamp: number, size: number, msid = 1, seed = 0): RtmpMessage {
  const payload = Buffer.alloc(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 31 + seed) & 0xff;
  return { type, msid, timestamp, payload };
}
