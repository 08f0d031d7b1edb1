// Encodes whole RTMP messages into chunks (fmt 0 + fmt 3 continuations) and remembers what the
// peer's decoder now holds per chunk stream, so a relay can take over the connection later.

import {
  type ChunkStates,
  DEFAULT_CHUNK_SIZE,
  encodeFmt0Header,
  encodeFmt3Header,
  stateAfterFmt0,
} from './chunk-header.ts';

export interface RtmpMessage {
  type: number;
  msid: number;
  timestamp: number;
  payload: Buffer;
}

export class ChunkWriter {
  chunkSize = DEFAULT_CHUNK_SIZE;
  /** The peer's decoder state for every chunk stream we have written. */
  readonly states: ChunkStates = new Map();

  encode(csid: number, message: RtmpMessage): Buffer {
    const { type, msid, timestamp, payload } = message;
    const parts: Buffer[] = [encodeFmt0Header(csid, timestamp, payload.length, type, msid)];
    const extended = timestamp >= 0xffffff ? timestamp : undefined;
    let at = 0;
    for (;;) {
      const end = Math.min(at + this.chunkSize, payload.length);
      parts.push(payload.subarray(at, end));
      at = end;
      if (at >= payload.length) break;
      parts.push(encodeFmt3Header(csid, extended));
    }
    this.states.set(csid, stateAfterFmt0(timestamp, payload.length, type, msid, 0));
    return parts.length === 2 ? Buffer.concat(parts, parts[0]!.length + payload.length) : Buffer.concat(parts);
  }
}
