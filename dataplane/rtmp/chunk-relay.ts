// Relays an RTMP chunk stream from one peer to another without reassembling messages.
//
// Each chunk header is parsed (a few bytes) against the source's chunk-stream state. When the
// destination's decoder holds the same state for the fields the header inherits, the header and
// payload go out verbatim (runs of such chunks become one subarray of the input). Otherwise,
// typically on the first message of each chunk stream after the command phase or when message
// stream ids differ, only the header is rewritten (as fmt 0, or fmt 3 for a continuation); after
// one rewrite both decoders agree and bytes pass through untouched again. Pure; no I/O.

import { ProtocolError } from '../../shared/errors.ts';
import {
  type ChunkHeader,
  type ChunkStates,
  type ChunkStreamState,
  commitChunkHeader,
  encodeFmt0Header,
  encodeFmt3Header,
  newChunkHeader,
  readChunkHeader,
  stateAfterFmt0,
} from './chunk-header.ts';
import { decodeChunkSize } from './message-reader.ts';
import { MessageType } from './message-types.ts';

/** Protocol-control messages the relay must read are tiny; anything bigger is an attack. */
const MAX_CONTROL_MESSAGE = 64;

export interface ChunkRelayOptions {
  /** The source encoder's chunk-stream state, as our reader of that peer last saw it. */
  source: ChunkStates;
  /** The destination decoder's chunk-stream state, as our writer to that peer left it. */
  sink: ChunkStates;
  /** Chunk size of the source; the destination must have been told the same. */
  chunkSize: number;
  /** Message stream id on the source side and its counterpart on the destination side. */
  msidFrom: number;
  msidTo: number;
  /** Sees each relayed chunk's payload bytes (a publisher's sequence headers are kept this way). */
  tap?: ChunkTap;
}

export interface ChunkTap {
  /** Payload bytes [start, end) of `buf` of the chunk whose header is `h`. */
  chunk(h: ChunkHeader, buf: Buffer, start: number, end: number): void;
  /** More payload of chunk stream `csid`'s current chunk, from the next read. */
  more(csid: number, buf: Buffer, start: number, end: number): void;
}

/** Where the relay stopped: unparsed bytes and how many bytes of a cut chunk are still to come. */
export interface RelayPosition {
  /** Bytes received but not relayed; they begin with a chunk header. */
  carry: Buffer;
  /** Payload bytes of the current chunk not received yet (they precede the next header). */
  skip: number;
  chunkSize: number;
}

export class ChunkRelay {
  chunkSize: number;
  private readonly source: ChunkStates;
  private readonly sink: ChunkStates;
  private readonly msidFrom: number;
  private readonly msidTo: number;
  private readonly tap: ChunkTap | undefined;
  private readonly h: ChunkHeader = newChunkHeader();
  private carry: Buffer | undefined;
  /** Payload bytes of the current chunk still to forward (pass) or discard (skip). */
  private passRemaining = 0;
  private skipRemaining = 0;
  /** Headers rewritten so far (for tests and stats). */
  rewrites = 0;

  constructor(options: ChunkRelayOptions) {
    this.source = options.source;
    this.sink = options.sink;
    this.chunkSize = options.chunkSize;
    this.msidFrom = options.msidFrom;
    this.msidTo = options.msidTo;
    this.tap = options.tap;
  }

  /** Stops relaying: what a message-level reader of the same source needs to carry on. */
  detach(): RelayPosition {
    const position = {
      carry: this.carry ?? Buffer.alloc(0),
      skip: this.passRemaining + this.skipRemaining,
      chunkSize: this.chunkSize,
    };
    this.carry = undefined;
    this.passRemaining = this.skipRemaining = 0;
    return position;
  }

  /** Appends to `out` the segments to send for `data`, in order. */
  push(data: Buffer, out: Buffer[]): void {
    let buf = data;
    if (this.carry) {
      buf = Buffer.concat([this.carry, data]);
      this.carry = undefined;
    }
    let at = 0;
    if (this.passRemaining > 0) {
      const n = Math.min(this.passRemaining, buf.length);
      this.passRemaining -= n;
      at = n;
      this.tap?.more(this.h.csid, buf, 0, n);
    }
    let runStart = 0;
    if (this.skipRemaining > 0) {
      const n = Math.min(this.skipRemaining, buf.length);
      this.skipRemaining -= n;
      at = n;
      runStart = n;
    }
    const h = this.h;
    while (at < buf.length) {
      if (!readChunkHeader(buf, at, this.chunkSize, this.source, h)) break;
      const control = h.messageStart && (h.type === MessageType.SetChunkSize || h.type === MessageType.Abort);
      if (control) {
        if (h.length > MAX_CONTROL_MESSAGE) throw new ProtocolError(`control message of ${h.length} bytes`);
        if (h.payloadStart + h.payloadLength > buf.length) break;
      }
      const src = this.source.get(h.csid);
      const dst = this.sink.get(h.csid);
      const payloadEnd = h.payloadStart + h.payloadLength;

      if (!h.messageStart && (!dst || dst.remaining !== src?.remaining)) {
        // Continuation of a message the destination never saw (it began before the relay): drop it.
        if (h.headerStart > runStart) out.push(buf.subarray(runStart, h.headerStart));
        commitChunkHeader(this.source, h);
        if (payloadEnd > buf.length) {
          this.skipRemaining = payloadEnd - buf.length;
          at = runStart = buf.length;
          break;
        }
        at = runStart = payloadEnd;
        continue;
      }

      const msid = h.msid === this.msidFrom ? this.msidTo : h.msid;
      if (this.canPass(h, src, dst)) {
        commitChunkHeader(this.source, h);
        commitChunkHeader(this.sink, h, msid);
      } else {
        if (h.headerStart > runStart) out.push(buf.subarray(runStart, h.headerStart));
        runStart = h.payloadStart;
        this.rewrites++;
        if (h.messageStart) {
          out.push(encodeFmt0Header(h.csid, h.timestamp, h.length, h.type, msid));
          this.sink.set(h.csid, stateAfterFmt0(h.timestamp, h.length, h.type, msid, h.remainingAfter));
        } else {
          const d = dst as ChunkStreamState;
          out.push(encodeFmt3Header(h.csid, d.extended ? d.timestamp : undefined));
          d.remaining = h.remainingAfter;
        }
        commitChunkHeader(this.source, h);
      }
      if (control) this.applyControl(h.type, buf.subarray(h.payloadStart, payloadEnd));
      this.tap?.chunk(h, buf, h.payloadStart, Math.min(payloadEnd, buf.length));
      if (payloadEnd > buf.length) {
        this.passRemaining = payloadEnd - buf.length;
        at = buf.length;
        break;
      }
      at = payloadEnd;
    }
    if (at > runStart) out.push(buf.subarray(runStart, at));
    if (at < buf.length) this.carry = Buffer.from(buf.subarray(at));
  }

  /** Whether the destination decodes this header's bytes to the same result as the source. */
  private canPass(h: ChunkHeader, src: ChunkStreamState | undefined, dst: ChunkStreamState | undefined): boolean {
    const msidSame = this.msidFrom === this.msidTo;
    if (h.fmt === 0) return msidSame || h.msid !== this.msidFrom;
    if (!src || !dst) return false;
    const translated = src.msid === this.msidFrom ? this.msidTo : src.msid;
    if (dst.msid !== translated || dst.timestamp !== src.timestamp || dst.remaining !== src.remaining) return false;
    if (h.fmt === 1) return true;
    if (dst.length !== src.length || dst.type !== src.type) return false;
    if (h.fmt === 2) return true;
    return dst.delta === src.delta && dst.extended === src.extended;
  }

  private applyControl(type: number, payload: Buffer): void {
    if (type === MessageType.SetChunkSize) {
      this.chunkSize = decodeChunkSize(payload);
    } else if (payload.length >= 4) {
      const csid = payload.readUInt32BE(0);
      for (const states of [this.source, this.sink]) {
        const s = states.get(csid);
        if (s) s.remaining = 0;
      }
    }
  }
}
