// AMF0 (Action Message Format 0), the encoding of RTMP command and data messages.
// Pure functions over Buffers. Bad input throws ProtocolError; nothing reads past the end.
//
//   marker(1) | value
//   0x00 number    float64 BE          0x08 ECMA array  u32 count + (key, value)* + 00 00 09
//   0x01 boolean   u8                  0x09 object end
//   0x02 string    u16 len + utf8      0x0A strict array u32 count + value*
//   0x03 object    (u16 key, value)* + 00 00 09
//   0x05 null  0x06 undefined          0x0B date float64 + s16 tz    0x0C long string u32 len + utf8

import { ProtocolError } from '../../shared/errors.ts';

/** An ECMA array (associative array), kept distinct from an object so it encodes back the same. */
export class EcmaArray {
  constructor(public readonly entries: Record<string, Amf0Value>) {}
}

export type Amf0Value =
  | number
  | boolean
  | string
  | null
  | undefined
  | Date
  | EcmaArray
  | Amf0Value[]
  | { [key: string]: Amf0Value };

export type Amf0Object = { [key: string]: Amf0Value };

const MAX_DEPTH = 32;
const MAX_ARRAY_ITEMS = 65_536;

const MARKER = {
  number: 0x00,
  boolean: 0x01,
  string: 0x02,
  object: 0x03,
  null: 0x05,
  undefined: 0x06,
  ecmaArray: 0x08,
  objectEnd: 0x09,
  strictArray: 0x0a,
  date: 0x0b,
  longString: 0x0c,
  unsupported: 0x0d,
} as const;

class Reader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}

  need(n: number): void {
    if (this.offset + n > this.buf.length) {
      throw new ProtocolError(`AMF0 truncated: need ${n} bytes at offset ${this.offset} of ${this.buf.length}`);
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.offset++] as number;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  utf8(length: number): string {
    this.need(length);
    const s = this.buf.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return s;
  }

  get remaining(): number {
    return this.buf.length - this.offset;
  }
}

function readProperties(r: Reader, depth: number, into: Amf0Object): void {
  for (;;) {
    const keyLength = r.u16();
    if (keyLength === 0) {
      const marker = r.u8();
      if (marker === MARKER.objectEnd) return;
      throw new ProtocolError(`AMF0 empty property name followed by marker ${marker}, want object end`);
    }
    const key = r.utf8(keyLength);
    into[key] = readValue(r, depth + 1);
  }
}

function readValue(r: Reader, depth: number): Amf0Value {
  if (depth > MAX_DEPTH) throw new ProtocolError(`AMF0 nesting deeper than ${MAX_DEPTH}`);
  const marker = r.u8();
  switch (marker) {
    case MARKER.number:
      return r.f64();
    case MARKER.boolean:
      return r.u8() !== 0;
    case MARKER.string:
      return r.utf8(r.u16());
    case MARKER.longString:
      return r.utf8(r.u32());
    case MARKER.object: {
      const obj: Amf0Object = {};
      readProperties(r, depth, obj);
      return obj;
    }
    case MARKER.ecmaArray: {
      r.u32(); // count is advisory; the end marker terminates
      const entries: Amf0Object = {};
      readProperties(r, depth, entries);
      return new EcmaArray(entries);
    }
    case MARKER.strictArray: {
      const count = r.u32();
      // Each item takes at least one byte, so a count beyond the remaining bytes is a lie.
      if (count > MAX_ARRAY_ITEMS || count > r.remaining)
        throw new ProtocolError(`AMF0 strict array count ${count} too large`);
      const items: Amf0Value[] = [];
      for (let i = 0; i < count; i++) items.push(readValue(r, depth + 1));
      return items;
    }
    case MARKER.date: {
      const ms = r.f64();
      r.u16(); // time zone, unused by everyone
      return new Date(ms);
    }
    case MARKER.null:
      return null;
    case MARKER.undefined:
    case MARKER.unsupported:
      return undefined;
    default:
      throw new ProtocolError(`AMF0 unsupported marker 0x${marker.toString(16)}`);
  }
}

/** Decodes every value in `buf` (a command message body). */
export function decodeAmf0(buf: Buffer): Amf0Value[] {
  const r = new Reader(buf);
  const values: Amf0Value[] = [];
  while (r.remaining > 0) values.push(readValue(r, 0));
  return values;
}

class Writer {
  private parts: Buffer[] = [];

  push(b: Buffer): void {
    this.parts.push(b);
  }

  byte(v: number): void {
    this.parts.push(Buffer.from([v]));
  }

  string(s: string, marker: boolean): void {
    const bytes = Buffer.from(s, 'utf8');
    if (bytes.length > 0xffff) {
      if (!marker) throw new ProtocolError('AMF0 property name longer than 65535 bytes');
      const head = Buffer.alloc(5);
      head[0] = MARKER.longString;
      head.writeUInt32BE(bytes.length, 1);
      this.parts.push(head, bytes);
      return;
    }
    const head = Buffer.alloc(marker ? 3 : 2);
    if (marker) head[0] = MARKER.string;
    head.writeUInt16BE(bytes.length, marker ? 1 : 0);
    this.parts.push(head, bytes);
  }

  properties(obj: Amf0Object, depth: number): void {
    for (const [key, value] of Object.entries(obj)) {
      this.string(key, false);
      this.value(value, depth + 1);
    }
    this.push(Buffer.from([0, 0, MARKER.objectEnd]));
  }

  value(v: Amf0Value, depth: number): void {
    if (depth > MAX_DEPTH) throw new ProtocolError(`AMF0 nesting deeper than ${MAX_DEPTH}`);
    if (v === null) this.byte(MARKER.null);
    else if (v === undefined) this.byte(MARKER.undefined);
    else if (typeof v === 'number') {
      const b = Buffer.alloc(9);
      b[0] = MARKER.number;
      b.writeDoubleBE(v, 1);
      this.push(b);
    } else if (typeof v === 'boolean') this.push(Buffer.from([MARKER.boolean, v ? 1 : 0]));
    else if (typeof v === 'string') this.string(v, true);
    else if (v instanceof Date) {
      const b = Buffer.alloc(11);
      b[0] = MARKER.date;
      b.writeDoubleBE(v.getTime(), 1);
      this.push(b);
    } else if (v instanceof EcmaArray) {
      const head = Buffer.alloc(5);
      head[0] = MARKER.ecmaArray;
      head.writeUInt32BE(Object.keys(v.entries).length, 1);
      this.push(head);
      this.properties(v.entries, depth);
    } else if (Array.isArray(v)) {
      const head = Buffer.alloc(5);
      head[0] = MARKER.strictArray;
      head.writeUInt32BE(v.length, 1);
      this.push(head);
      for (const item of v) this.value(item, depth + 1);
    } else {
      this.byte(MARKER.object);
      this.properties(v, depth);
    }
  }

  result(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function encodeAmf0(...values: Amf0Value[]): Buffer {
  const w = new Writer();
  for (const v of values) w.value(v, 0);
  return w.result();
}
