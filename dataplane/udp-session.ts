// What a relayed UDP session (WebRTC, SRT) shares: its client address in the listener, one
// connected UDP socket toward its origin, packet and byte counters, what the operator's sessions
// view shows (`view`), and an idempotent close(reason) that
// releases the protocol's timers, closes the origin socket, removes the session from every map
// of its listener and logs the one `... session closed` line.

import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from '../shared/log.ts';
import { type CloseReason, logClose } from './close-reason.ts';
import { closeSocket, type ListenerSession, type UdpListener } from './udp-listener.ts';

export abstract class UdpSession implements ListenerSession {
  active = false;
  lastSeen = Date.now();
  readonly startedAt = Date.now();
  packetsUp = 0;
  packetsDown = 0;
  /** Datagram bytes relayed each way: one addition per datagram, next to the packet count. */
  bytesUp = 0;
  bytesDown = 0;
  /** What the operator's sessions view shows; filled in as the session learns it. */
  readonly view: { id: string; kind?: string; stream?: string; backend?: string } = { id: '' };
  /** The socket toward the origin, once the origin is known. */
  protected origin: Socket | undefined;
  private closeReason: CloseReason | undefined;
  private resolveClosed: () => void = () => {};
  readonly closed = new Promise<void>((resolve) => {
    this.resolveClosed = resolve;
  });
  /** Constant log message of the close line, e.g. `srt session closed`. */
  protected abstract readonly closeMessage: string;

  constructor(
    protected readonly listener: UdpListener<UdpSession>,
    public clientAddress: string,
    public clientPort: number,
    readonly key: string | undefined,
    public log: Logger,
  ) {}

  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  /** Hot path: a datagram from the client. */
  abstract fromClient(msg: Buffer): void;

  /** Hot path: a datagram from the origin. */
  protected abstract fromOrigin(msg: Buffer): void;

  /** The origin socket can send (runs only while the session is open). */
  protected abstract onOriginConnected(): void;

  /** The origin socket failed. */
  protected abstract onOriginError(err: Error): void;

  /** Clears the protocol's own timers; runs once, first thing in close(). */
  protected releaseTimers(): void {}

  /** Opens the connected socket toward the origin. */
  protected connectOrigin(host: string, port: number): void {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    this.origin = socket;
    socket.on('message', (msg: Buffer) => this.fromOrigin(msg));
    socket.on('error', (err) => this.onOriginError(err));
    socket.connect(port, host, () => {
      if (!this.isClosed) this.onOriginConnected();
    });
  }

  /** Sends to the client through the listener's public socket. */
  protected toClient(msg: Buffer): void {
    this.listener.send(msg, this.clientPort, this.clientAddress);
  }

  /** Idempotent: timers, origin socket, listener maps, one log line. */
  close(reason: CloseReason, detail = ''): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.releaseTimers();
    void closeSocket(this.origin).then(this.resolveClosed);
    this.listener.remove(this);
    logClose(this.log, this.closeMessage, reason, detail, {
      packetsUp: this.packetsUp,
      packetsDown: this.packetsDown,
      upBytes: this.bytesUp,
      downBytes: this.bytesDown,
    });
  }
}
