// Reassembles whole RTMP messages from chunks, for the command phase of a session. Handles
// Set Chunk Size and Abort itself. Bounded: message size, partial messages, buffered bytes.

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

const MAX_PARTIALS = 16;

export interface MessageReaderOptions {
  /** Largest message accepted; commands are small, so the command phase keeps this low. */
  maxMessageSize: number;
  /** Largest amount of unparsed bytes held. */
  maxBuffered: number;
}

export class MessageReader {
  chunkSize = DEFAULT_CHUNK_SIZE;
  readonly states: ChunkStates = new Map();
  private pending: Buffer = Buffer.alloc(0);
  private readonly partials = new Map<number, { parts: Buffer[]; filled: number }>();
  private readonly header: ChunkHeader = newChunkHeader();

  constructor(private readonly options: MessageReaderOptions) {}

  push(data: Buffer): void {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    if (this.pending.length > this.options.maxBuffered) {
      throw new ProtocolError(`more than ${this.options.maxBuffered} bytes buffered without a complete message`);
    }
  }

  /** The next complete message, or null when more bytes are needed. */
  next(): RtmpMessage | null {
    const h = this.header;
    for (;;) {
      if (!readChunkHeader(this.pending, 0, this.chunkSize, this.states, h)) return null;
      if (h.messageStart && h.length > this.options.maxMessageSize) {
        throw new ProtocolError(`message of ${h.length} bytes exceeds ${this.options.maxMessageSize}`);
      }
      const end = h.payloadStart + h.payloadLength;
      if (end > this.pending.length) return null;
      const payload = this.pending.subarray(h.payloadStart, end);
      this.pending = this.pending.subarray(end);
      commitChunkHeader(this.states, h);

      let partial = this.partials.get(h.csid);
      if (h.messageStart) {
        partial = { parts: [], filled: 0 };
        this.partials.set(h.csid, partial);
        if (this.partials.size > MAX_PARTIALS)
          throw new ProtocolError(`more than ${MAX_PARTIALS} interleaved messages`);
      }
      if (!partial) throw new ProtocolError(`continuation chunk on chunk stream ${h.csid} without a message`);
      partial.parts.push(payload);
      partial.filled += payload.length;
      if (h.remainingAfter > 0) continue;

      this.partials.delete(h.csid);
      const message: RtmpMessage = {
        type: h.type,
        msid: h.msid,
        timestamp: h.timestamp,
        payload: partial.parts.length === 1 ? (partial.parts[0] as Buffer) : Buffer.concat(partial.parts),
      };
      this.applyControl(message);
      return message;
    }
  }

  /** Bytes received but not parsed yet; the reader must not be used afterwards. */
  takeRemaining(): Buffer {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return rest;
  }

  private applyControl(message: RtmpMessage): void {
    if (message.type === MessageType.SetChunkSize) {
      this.chunkSize = decodeChunkSize(message.payload);
    } else if (message.type === MessageType.Abort && message.payload.length >= 4) {
      const csid = message.payload.readUInt32BE(0);
      this.partials.delete(csid);
      const state = this.states.get(csid);
      if (state) state.remaining = 0;
    }
  }
}

/** Reads until the next whole message; decodes it when it is a command. */
export async function readCommand(
  reader: MessageReader,
  input: { readSome(): Promise<Buffer> },
): Promise<{ message: RtmpMessage; command?: Command }> {
  let message = reader.next();
  while (!message) {
    reader.push(await input.readSome());
    message = reader.next();
  }
  const isCommand = message.type === MessageType.CommandAmf0 || message.type === MessageType.CommandAmf3;
  return { message, command: isCommand ? decodeCommand(message) : undefined };
}

export function decodeChunkSize(payload: Buffer): number {
  if (payload.length < 4) throw new ProtocolError('Set Chunk Size message shorter than 4 bytes');
  const size = payload.readUInt32BE(0) & 0x7fffffff;
  if (size < 1 || size > MAX_CHUNK_SIZE) throw new ProtocolError(`chunk size ${size} outside 1..${MAX_CHUNK_SIZE}`);
  return size;
}
