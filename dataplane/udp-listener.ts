// The shared UDP listener of the WebRTC and SRT relays: owns the public socket, the session
// maps (by client address and port, and by an optional key such as the ICE username), the idle
// sweep and the rate-limited drop log. A datagram from a known address goes straight to its
// session (one map lookup and one flag store; the clock is read by the sweep, not per datagram);
// one from an unknown address goes to the protocol's `fromUnknown`, which answers it, drops it
// or starts a session (add). Sessions remove themselves when they close; close() ends them all
// with `shutdown` and resolves once every origin socket and the public socket are shut.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { type LookupOneOptions, lookup } from 'node:dns';
import { isIP } from 'node:net';
import type { ListenAddress } from '../shared/config.ts';
import type { Logger } from '../shared/log.ts';
import { AddressMap } from './address-map.ts';
import type { CloseReason } from './close-reason.ts';
import { type SessionProtocol, sessionMetrics } from './session-metrics.ts';

/** What the listener needs of a session (see UdpSession for the shared implementation). */
export interface ListenerSession {
  /** Where the client sends from; only the listener changes it (move). */
  clientAddress: string;
  clientPort: number;
  /** A second index (WebRTC: the ICE username); undefined for none. */
  readonly key: string | undefined;
  /** A datagram came from the client since the last sweep; set by the listener (a store, no clock read). */
  active: boolean;
  /** When the sweep last found the session active (ms); the sweep's own bookkeeping. */
  lastSeen: number;
  /** Hot path: a datagram from this session's client address. */
  fromClient(msg: Buffer): void;
  /** Idempotent; the session calls remove(this). */
  close(reason: CloseReason, detail?: string): void;
  /** Settles once the session's origin socket is closed. */
  readonly closed: Promise<void>;
}

export interface UdpListenerOptions {
  address: ListenAddress;
  logger: Logger;
  /** Names the drop log line: `<proto> datagram dropped`. */
  proto: SessionProtocol;
  recvBufferSize: number;
  idleMs: number;
  maxSessions: number;
  /** A datagram from an address without a session: answer it, drop it or add a session. */
  fromUnknown(msg: Buffer, rinfo: RemoteInfo): void;
}

export class UdpListener<S extends ListenerSession> {
  private socket: Socket | undefined;
  private readonly sessions = new Set<S>();
  private readonly byAddress = new AddressMap<S>();
  private readonly byKey = new Map<string, S>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly drops: DropLog;
  private closing: Promise<void> | undefined;
  private open = true;
  private readonly onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    const session = this.byAddress.get(rinfo.address, rinfo.port);
    if (session !== undefined) {
      session.active = true;
      session.fromClient(msg);
      return;
    }
    this.options.fromUnknown(msg, rinfo);
  };

  constructor(private readonly options: UdpListenerOptions) {
    this.drops = new DropLog(options.logger, `${options.proto} datagram dropped`);
  }

  get size(): number {
    return this.sessions.size;
  }

  get full(): boolean {
    return this.sessions.size >= this.options.maxSessions;
  }

  /** False once stopAccepting() or close() ran: protocols start no new sessions then. */
  get accepting(): boolean {
    return this.open;
  }

  /** Entries per map, for tests and debugging: all three are 0 once every session closed. */
  get indexSizes(): { sessions: number; byAddress: number; byKey: number } {
    return { sessions: this.sessions.size, byAddress: this.byAddress.size, byKey: this.byKey.size };
  }

  async start(): Promise<number> {
    const { address, logger, recvBufferSize, idleMs } = this.options;
    const socket = createSocket({
      type: address.host.includes(':') ? 'udp6' : 'udp4',
      recvBufferSize,
      lookup: literalAddressFirst,
    });
    socket.on('message', this.onMessage);
    socket.on('error', (err) => logger.error('udp socket error', { err: err.message }));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(address.port, address.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.socket = socket;
    this.sweepTimer = setInterval(() => this.sweep(), Math.min(5_000, idleMs / 4));
    this.sweepTimer.unref();
    return socket.address().port;
  }

  /** New clients are turned away from now on; live sessions go on. */
  stopAccepting(): void {
    this.open = false;
  }

  add(session: S): void {
    this.sessions.add(session);
    sessionMetrics.started(this.options.proto);
    this.byAddress.set(session.clientAddress, session.clientPort, session);
    if (session.key !== undefined) this.byKey.set(session.key, session);
  }

  get(key: string): S | undefined {
    return this.byKey.get(key);
  }

  /** A snapshot of the sessions, safe to walk while sessions close. */
  list(): S[] {
    return [...this.sessions];
  }

  /** A snapshot of the keys, safe to walk while sessions close. */
  keys(): string[] {
    return [...this.byKey.keys()];
  }

  /** The session's client now sends from another address (ICE restart, network change). */
  move(session: S, address: string, port: number): void {
    this.byAddress.delete(session.clientAddress, session.clientPort, session);
    session.clientAddress = address;
    session.clientPort = port;
    this.byAddress.set(address, port, session);
  }

  /** Called by a closing session; removes it from every map. */
  remove(session: S): void {
    if (!this.sessions.delete(session)) return;
    this.byAddress.delete(session.clientAddress, session.clientPort, session);
    if (session.key !== undefined && this.byKey.get(session.key) === session) this.byKey.delete(session.key);
  }

  send(msg: Buffer, port: number, address: string): void {
    this.socket?.send(msg, port, address);
  }

  drop(detail: string, address: string, port: number): void {
    this.drops.drop(detail, address, port);
  }

  /** Idempotent: ends every session (`shutdown`), then the public socket. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.open = false;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    const closed: Promise<void>[] = [];
    for (const session of this.sessions) {
      session.close('shutdown');
      closed.push(session.closed);
    }
    await Promise.all(closed);
    await closeSocket(this.socket);
    this.socket = undefined;
  }

  /**
   * Closes sessions without a datagram for idleMs. A session active since the last sweep is seen
   * now (later than its last datagram by at most one sweep interval), so a quiet one closes after
   * idleMs to idleMs + 2 sweep intervals of silence, never before idleMs.
   */
  private sweep(): void {
    const now = Date.now();
    const cutoff = now - this.options.idleMs;
    for (const session of this.sessions) {
      if (session.active) {
        session.active = false;
        session.lastSeen = now;
      } else if (session.lastSeen < cutoff) {
        session.close('idle', `no datagram for ${this.options.idleMs} ms`);
      }
    }
  }
}

/**
 * The public socket's address lookup. It sends only to IP literals taken from received datagrams,
 * which dns.lookup would hand back on the next tick (a queued callback per datagram sent); an IP
 * literal is answered at once. Anything else (a host name to bind to) goes to dns.lookup.
 */
function literalAddressFirst(
  address: string,
  options: LookupOneOptions | number,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(address);
  if (family !== 0) callback(null, address, family);
  else lookup(address, options as LookupOneOptions, callback);
}

/** Closes a UDP socket once; resolves when it is shut (at once for none or an already closed one). */
export function closeSocket(socket: Socket | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!socket) return resolve();
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

/** Logs dropped datagrams at most once per interval, with the count since the last line. */
class DropLog {
  private dropped = 0;
  private last = 0;

  constructor(
    private readonly logger: Logger,
    private readonly message: string,
    private readonly intervalMs = 10_000,
  ) {}

  drop(detail: string, address: string, port: number): void {
    this.dropped++;
    const now = Date.now();
    if (now - this.last < this.intervalMs) return;
    this.logger.warn(this.message, { detail, from: `${address}:${port}`, droppedSinceLastLog: this.dropped });
    this.dropped = 0;
    this.last = now;
  }
}
