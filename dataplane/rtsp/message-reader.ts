// Reads whole RTSP messages (head + Content-Length body) from a socket before PLAY. Bounded: a
// head must end within MAX_HEAD_BYTES and a body stay under MAX_BODY_BYTES, so a peer cannot make
// the proxy hold more than about one socket read beyond that.

import type { Socket } from 'node:net';
import { SocketReader } from '../socket-reader.ts';
import { contentLength, headLength, MAX_HEAD_BYTES } from './message.ts';

export interface RawMessage {
  head: Buffer;
  body: Buffer;
}

export class MessageReader {
  private readonly reader: SocketReader;
  private pending: Buffer = Buffer.alloc(0);

  constructor(socket: Socket) {
    this.reader = new SocketReader(socket, MAX_HEAD_BYTES * 2);
  }

  /** The next message; `parse` turns its head into headers (and may throw to refuse it). */
  async next<T extends { headers: Array<[string, string]> }>(
    parse: (head: Buffer) => T,
  ): Promise<{ message: T; raw: RawMessage }> {
    let end = headLength(this.pending);
    while (end < 0) {
      await this.fill();
      end = headLength(this.pending);
    }
    const head = this.pending.subarray(0, end);
    const message = parse(head);
    const size = end + contentLength(message.headers);
    while (this.pending.length < size) await this.fill();
    const body = this.pending.subarray(end, size);
    this.pending = this.pending.subarray(size);
    return { message, raw: { head, body } };
  }

  /** Stops reading; returns the bytes received but not consumed (for the raw relay). */
  detach(): Buffer {
    const rest = this.reader.detach();
    if (this.pending.length === 0) return rest;
    return rest.length === 0 ? this.pending : Buffer.concat([this.pending, rest]);
  }

  private async fill(): Promise<void> {
    const more = await this.reader.readSome();
    this.pending = this.pending.length === 0 ? more : Buffer.concat([this.pending, more]);
  }
}
