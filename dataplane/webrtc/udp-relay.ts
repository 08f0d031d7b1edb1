// WebRTC media relay: owns the public UDP socket (PROXY_WEBRTC_SERVER) and one connected UDP
// socket per session toward its origin. A client address is unknown until its first STUN
// binding request, whose USERNAME names the session the control plane stored at signalling.
// After that, datagrams (STUN, DTLS, SRTP/SRTCP) pass both ways untouched, at any size UDP
// carries. Sessions end on idle timeout, on DELETE and at shutdown; every map entry and socket
// is released with its session.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { RtcSession } from '../../shared/api-types.ts';
import type { ListenAddress } from '../../shared/config.ts';
import { errorMessage } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { nextSessionId } from '../session-id.ts';
import { AddressMap, bindUdpSocket, closeUdpSocket, DropLog } from '../udp-edge.ts';
import { decodeStun, looksLikeStun, StunType, stunUsername } from './stun.ts';

export interface WebRtcRelayOptions {
  address: ListenAddress;
  lookup: (username: string) => Promise<RtcSession | null>;
  logger: Logger;
  idleMs?: number;
  /**
   * How often live sessions are checked against the control plane (which also refreshes their
   * TTL there); a session the control plane no longer knows (DELETE on another instance) ends.
   */
  revalidateMs?: number;
  maxSessions?: number;
}

const MAX_PENDING_LOOKUPS = 1_000;
const MAX_QUEUED_PER_LOOKUP = 8;

class RelaySession {
  lastSeen = Date.now();
  packetsUp = 0;
  packetsDown = 0;
  private connected = false;
  private readonly queue: Buffer[] = [];
  readonly backend: Socket;

  constructor(
    readonly info: RtcSession,
    public clientAddress: string,
    public clientPort: number,
    publicSocket: Socket,
    readonly log: Logger,
    onError: (reason: string) => void,
  ) {
    this.backend = createSocket(info.media.host.includes(':') ? 'udp6' : 'udp4');
    this.backend.on('message', (data) => {
      this.packetsDown++;
      publicSocket.send(data, this.clientPort, this.clientAddress);
    });
    this.backend.on('error', (err) => onError(`backend socket: ${err.message}`));
    this.backend.connect(info.media.port, info.media.host, () => {
      this.connected = true;
      for (const packet of this.queue) this.backend.send(packet);
      this.queue.length = 0;
    });
  }

  toBackend(packet: Buffer): void {
    this.packetsUp++;
    if (this.connected) this.backend.send(packet);
    else if (this.queue.length < MAX_QUEUED_PER_LOOKUP) this.queue.push(packet);
  }
}

export class WebRtcRelay {
  private socket: Socket | undefined;
  private readonly byClient = new AddressMap<RelaySession>();
  private readonly byUsername = new Map<string, RelaySession>();
  private readonly pending = new Map<string, Buffer[]>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private revalidateTimer: NodeJS.Timeout | undefined;
  private readonly drops: DropLog;
  private readonly idleMs: number;
  private readonly maxSessions: number;

  constructor(private readonly options: WebRtcRelayOptions) {
    this.idleMs = options.idleMs ?? 30_000;
    this.maxSessions = options.maxSessions ?? 10_000;
    this.drops = new DropLog(options.logger, 'webrtc datagram dropped');
  }

  get sessionCount(): number {
    return this.byUsername.size;
  }

  async start(): Promise<number> {
    const socket = await bindUdpSocket(
      this.options.address,
      (msg, rinfo) => this.onMessage(msg, rinfo),
      this.options.logger,
      4 * 1024 * 1024,
    );
    this.socket = socket;
    this.sweepTimer = setInterval(() => this.sweep(), Math.min(5_000, this.idleMs / 2));
    this.sweepTimer.unref();
    this.revalidateTimer = setInterval(() => void this.revalidate(), this.options.revalidateMs ?? 15_000);
    this.revalidateTimer.unref();
    return socket.address().port;
  }

  /** Ends a session now (DELETE through the control plane). */
  closeByUsername(username: string, reason = 'deleted'): void {
    const session = this.byUsername.get(username);
    if (session) this.closeSession(session, reason);
  }

  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.revalidateTimer) clearInterval(this.revalidateTimer);
    for (const session of [...this.byUsername.values()]) this.closeSession(session, 'shutdown');
    this.pending.clear();
    await closeUdpSocket(this.socket);
    this.socket = undefined;
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    const session = this.byClient.get(rinfo.address, rinfo.port);
    if (session) {
      session.lastSeen = Date.now();
      session.toBackend(msg);
      return;
    }
    if (!looksLikeStun(msg)) {
      this.drop('datagram from an unknown address is not STUN', rinfo);
      return;
    }
    let username: string | undefined;
    try {
      const stun = decodeStun(msg);
      if (stun.type !== StunType.BindingRequest) {
        this.drop('STUN from an unknown address is not a binding request', rinfo);
        return;
      }
      username = stunUsername(stun);
    } catch (err) {
      this.drop(`malformed STUN: ${errorMessage(err)}`, rinfo);
      return;
    }
    if (!username) {
      this.drop('binding request without USERNAME', rinfo);
      return;
    }

    const known = this.byUsername.get(username);
    if (known) {
      // ICE restart or network change: the same session from a new address.
      this.unmapClient(known);
      known.clientAddress = rinfo.address;
      known.clientPort = rinfo.port;
      this.mapClient(known);
      known.log.info('webrtc client moved', { client: `${rinfo.address}:${rinfo.port}` });
      known.lastSeen = Date.now();
      known.toBackend(msg);
      return;
    }
    const pendingKey = `${rinfo.address}|${rinfo.port}`;
    const queued = this.pending.get(pendingKey);
    if (queued) {
      if (queued.length < MAX_QUEUED_PER_LOOKUP) queued.push(msg);
      return;
    }
    if (this.pending.size >= MAX_PENDING_LOOKUPS) {
      this.drop('too many session lookups in flight', rinfo);
      return;
    }
    if (this.byUsername.size >= this.maxSessions) {
      this.drop('session table full', rinfo);
      return;
    }
    this.pending.set(pendingKey, [msg]);
    this.options.lookup(username).then(
      (info) => this.onLookup(pendingKey, username as string, info, rinfo),
      (err) => {
        this.pending.delete(pendingKey);
        this.options.logger.warn('webrtc session lookup failed', { username, err: errorMessage(err) });
      },
    );
  }

  private onLookup(pendingKey: string, username: string, info: RtcSession | null, rinfo: RemoteInfo): void {
    const queued = this.pending.get(pendingKey) ?? [];
    this.pending.delete(pendingKey);
    if (!this.socket) return;
    if (!info) {
      this.drop(`no session for USERNAME ${username}`, rinfo);
      return;
    }
    const existing = this.byUsername.get(username);
    if (existing) {
      for (const packet of queued) existing.toBackend(packet);
      return;
    }
    const log = this.options.logger.child({
      cid: nextSessionId('rtc'),
      username,
      stream: info.stream,
      backend: info.backendId,
    });
    let session: RelaySession | undefined;
    session = new RelaySession(info, rinfo.address, rinfo.port, this.socket, log, (reason) => {
      if (session) this.closeSession(session, reason);
    });
    this.byUsername.set(username, session);
    this.mapClient(session);
    log.info('webrtc session started', {
      client: `${rinfo.address}:${rinfo.port}`,
      media: `${info.media.host}:${info.media.port}`,
    });
    for (const packet of queued) session.toBackend(packet);
  }

  private closeSession(session: RelaySession, reason: string): void {
    if (this.byUsername.get(session.info.username) !== session) return;
    this.byUsername.delete(session.info.username);
    this.unmapClient(session);
    try {
      session.backend.close();
    } catch {
      // already closed
    }
    session.log.info('webrtc session closed', {
      reason,
      packetsUp: session.packetsUp,
      packetsDown: session.packetsDown,
    });
  }

  private mapClient(session: RelaySession): void {
    this.byClient.set(session.clientAddress, session.clientPort, session);
  }

  private unmapClient(session: RelaySession): void {
    this.byClient.delete(session.clientAddress, session.clientPort, session);
  }

  private revalidating = false;

  private async revalidate(): Promise<void> {
    if (this.revalidating) return;
    this.revalidating = true;
    for (const session of [...this.byUsername.values()]) {
      try {
        const info = await this.options.lookup(session.info.username);
        if (!info) this.closeSession(session, 'deleted');
      } catch (err) {
        // The control plane being unreachable is no reason to cut live media.
        session.log.warn('webrtc session revalidation failed', { err: errorMessage(err) });
      }
    }
    this.revalidating = false;
  }

  private sweep(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const session of [...this.byUsername.values()]) {
      if (session.lastSeen < cutoff) this.closeSession(session, 'idle');
    }
  }

  private drop(reason: string, rinfo: RemoteInfo): void {
    this.drops.drop(reason, rinfo);
  }
}
