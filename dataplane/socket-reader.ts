// Turns a socket's 'data' events into "read exactly N bytes" / "read what is there" promises for
// the handshake and command phases. Bounded: pauses the socket when too much is buffered.

import type { Socket } from 'node:net';
import { ProtocolError } from '../shared/errors.ts';

export class SocketReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private waiter: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  private readonly onData = (chunk: Buffer) => {
    this.chunks.push(chunk);
    this.length += chunk.length;
    if (this.length > this.maxBuffered) this.socket.pause();
    this.serve();
  };
  private readonly onEnd = () => this.fail(new ProtocolError('peer closed the connection'));
  private readonly onError = (err: Error) => this.fail(err);

  constructor(
    private readonly socket: Socket,
    /** Pauses reading above this; a session's byte bounds are enforced by its message reader. */
    private readonly maxBuffered = 64 * 1024,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  /** Exactly `n` bytes. */
  read(n: number): Promise<Buffer> {
    return this.wait(n);
  }

  /** At least one byte: everything buffered. */
  readSome(): Promise<Buffer> {
    return this.wait(0);
  }

  /** Stops listening and returns what was buffered but not read. */
  detach(): Buffer {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
    const rest = this.take(this.length);
    return rest;
  }

  private wait(n: number): Promise<Buffer> {
    if (this.waiter) return Promise.reject(new Error('concurrent read'));
    return new Promise((resolve, reject) => {
      this.waiter = { n, resolve, reject };
      this.serve();
    });
  }

  private serve(): void {
    const w = this.waiter;
    if (!w) return;
    const want = w.n === 0 ? this.length : w.n;
    if (this.length > 0 && this.length >= want) {
      this.waiter = undefined;
      w.resolve(this.take(want));
      if (this.length <= this.maxBuffered) this.socket.resume();
    } else if (this.failure) {
      this.waiter = undefined;
      w.reject(this.failure);
    }
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.length);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.length = rest.length;
    return out;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.serve();
  }
}
