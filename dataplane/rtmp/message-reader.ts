// Reassembles whole RTMP messages from chunks, for the command phase of a session. Handles
// Set Chunk Size and Abort itself. Bounded: message size, chunk streams, partial messages, and
// the bytes held (unparsed input plus the declared size of every partial message).

import { ProtocolError } from '../../shared/errors.ts';
import {
  type ChunkHeader,
  type ChunkStates,
  commitChunkHeader,
  DEFAULT_CHUNK_SIZE,
  MAX_CHUNK_SIZE,
  newChunkHeader,
  readChunkHeader,
} from './chunk-header.ts';
import type { RtmpMessage } from './chunk-writer.ts';
import { type Command, decodeCommand } from './commands.ts';
import { MessageType } from './message-types.ts';

export interface MessageReaderOptions {
  /** Largest message accepted; commands are small, so the command phase keeps this low. */
  maxMessageSize: number;
  /** Most bytes held: unparsed input plus the declared size of every partial message. */
  maxBuffered: number;
  /** Most chunk streams with a message in progress at once (default 16). */
  maxPartials?: number;
  /** Most chunk streams ever used (default 64; the chunk stream id space is 65,599). */
  maxChunkStreams?: number;
  /**
   * Taking over a connection mid-stream (chunk states copied from a relay): continuation chunks
   * of messages that began before are dropped instead of refused.
   */
  resumeMidStream?: boolean;
}

interface PartialMessage {
  /** The message's payload, allocated at its declared size when its first chunk arrives. */
  payload: Buffer;
  filled: number;
}

export class MessageReader {
  chunkSize = DEFAULT_CHUNK_SIZE;
  readonly states: ChunkStates = new Map();
  private pending: Buffer = Buffer.alloc(0);
  private readonly partials = new Map<number, PartialMessage>();
  /** Sum of the partial messages' declared sizes. */
  private reserved = 0;
  private readonly header: ChunkHeader = newChunkHeader();
  private readonly maxPartials: number;
  private readonly maxChunkStreams: number;

  constructor(private readonly options: MessageReaderOptions) {
    this.maxPartials = options.maxPartials ?? 16;
    this.maxChunkStreams = options.maxChunkStreams ?? 64;
  }

  /** Bytes held now: unparsed input plus partial messages. */
  get held(): number {
    return this.pending.length + this.reserved;
  }

  push(data: Buffer): void {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    if (this.held > this.options.maxBuffered) {
      throw new ProtocolError(`more than ${this.options.maxBuffered} bytes buffered without a complete message`);
    }
  }

  /** The next complete message, or null when more bytes are needed. */
  next(): RtmpMessage | null {
    const h = this.header;
    for (;;) {
      if (!readChunkHeader(this.pending, 0, this.chunkSize, this.states, h)) return this.waitForMore();
      if (h.messageStart && h.length > this.options.maxMessageSize) {
        throw new ProtocolError(`message of ${h.length} bytes exceeds ${this.options.maxMessageSize}`);
      }
      if (!this.states.has(h.csid) && this.states.size >= this.maxChunkStreams) {
        throw new ProtocolError(`more than ${this.maxChunkStreams} chunk streams`);
      }
      const end = h.payloadStart + h.payloadLength;
      if (end > this.pending.length) return this.waitForMore();
      const chunk = this.pending.subarray(h.payloadStart, end);
      this.pending = this.pending.subarray(end);
      commitChunkHeader(this.states, h);

      if (h.messageStart) {
        this.dropPartial(h.csid);
        // A message in one chunk (every command real clients send) is handed out as is.
        if (h.remainingAfter === 0) return this.complete(h, chunk);
        if (this.partials.size >= this.maxPartials)
          throw new ProtocolError(`more than ${this.maxPartials} interleaved messages`);
        if (this.pending.length + this.reserved + h.length > this.options.maxBuffered) {
          throw new ProtocolError(
            `a ${h.length}-byte message would buffer more than ${this.options.maxBuffered} bytes before a complete one`,
          );
        }
        // Copied into its own buffer, so a partial message holds its size and not the larger
        // socket reads its chunks arrived in.
        const partial: PartialMessage = { payload: Buffer.allocUnsafe(h.length), filled: 0 };
        this.partials.set(h.csid, partial);
        this.reserved += h.length;
      }
      const partial = this.partials.get(h.csid);
      if (!partial && this.options.resumeMidStream) continue;
      if (!partial) throw new ProtocolError(`continuation chunk on chunk stream ${h.csid} without a message`);
      partial.filled += chunk.copy(partial.payload, partial.filled);
      if (h.remainingAfter > 0) continue;

      this.dropPartial(h.csid);
      return this.complete(h, partial.payload);
    }
  }

  /** Bytes received but not parsed yet; the reader must not be used afterwards. */
  takeRemaining(): Buffer {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return rest;
  }

  /** Keeps a small remainder in a buffer of its own, not in the larger read it was part of. */
  private waitForMore(): null {
    const p = this.pending;
    if (p.buffer.byteLength > 2 * p.length + 1024) this.pending = Buffer.from(p);
    return null;
  }

  private complete(h: ChunkHeader, payload: Buffer): RtmpMessage {
    const message: RtmpMessage = { type: h.type, msid: h.msid, timestamp: h.timestamp, payload };
    this.applyControl(message);
    return message;
  }

  private dropPartial(csid: number): void {
    const partial = this.partials.get(csid);
    if (!partial) return;
    this.partials.delete(csid);
    this.reserved -= partial.payload.length;
  }

  private applyControl(message: RtmpMessage): void {
    if (message.type === MessageType.SetChunkSize) {
      this.chunkSize = decodeChunkSize(message.payload);
    } else if (message.type === MessageType.Abort && message.payload.length >= 4) {
      const csid = message.payload.readUInt32BE(0);
      this.dropPartial(csid);
      const state = this.states.get(csid);
      if (state) state.remaining = 0;
    }
  }
}

/**
 * Reads until the next command, skipping other messages (protocol control is applied by the
 * reader). Returns only the decoded command: a message's payload is a view of a whole socket
 * read, and a caller waiting for its next command would keep that read alive.
 */
export async function readCommand(
  reader: MessageReader,
  input: { readSome(): Promise<Buffer> },
): Promise<{ command: Command; msid: number }> {
  for (;;) {
    const found = nextCommand(reader);
    if (found) return found;
    reader.push(await input.readSome());
  }
}

function nextCommand(reader: MessageReader): { command: Command; msid: number } | undefined {
  for (let message = reader.next(); message; message = reader.next()) {
    if (message.type === MessageType.CommandAmf0 || message.type === MessageType.CommandAmf3) {
      return { command: decodeCommand(message), msid: message.msid };
    }
  }
  return undefined;
}

export function decodeChunkSize(payload: Buffer): number {
  if (payload.length < 4) throw new ProtocolError('Set Chunk Size message shorter than 4 bytes');
  const size = payload.readUInt32BE(0) & 0x7fffffff;
  if (size < 1 || size > MAX_CHUNK_SIZE) throw new ProtocolError(`chunk size ${size} outside 1..${MAX_CHUNK_SIZE}`);
  return size;
}
