// WebRTC media relay on the shared UDP listener (PROXY_WEBRTC_SERVER). A client address is
// unknown until its first STUN binding request, whose USERNAME names the session the control
// plane stored at signalling; a WebRtcSession then relays for it. A known USERNAME from a new
// address moves its session there, but only when the request's MESSAGE-INTEGRITY verifies with
// the origin's ICE password: knowing a username is not enough to take a session. Sessions end on idle timeout, on DELETE (here, or on another
// instance: live sessions are re-checked with the control plane every 15 s) and at shutdown.

import type { RemoteInfo } from 'node:dgram';
import type { RtcSession } from '../../shared/api-types.ts';
import type { ListenAddress } from '../../shared/config.ts';
import { errorMessage } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { nextSessionId } from '../session-id.ts';
import { UdpListener } from '../udp-listener.ts';
import { decodeStun, looksLikeStun, StunType, stunUsername, verifyIntegrity } from './stun.ts';
import { MAX_QUEUED, WebRtcSession } from './webrtc-session.ts';

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
  /** True while the node drains: no new session starts, live ones (and their moves) go on. */
  draining?: () => boolean;
}

const MAX_PENDING_LOOKUPS = 1_000;

export class WebRtcRelay {
  readonly listener: UdpListener<WebRtcSession>;
  /** Datagrams from addresses whose USERNAME is being looked up, by `address|port`. */
  private readonly pending = new Map<string, Buffer[]>();
  private revalidateTimer: NodeJS.Timeout | undefined;
  private revalidating = false;

  constructor(private readonly options: WebRtcRelayOptions) {
    this.listener = new UdpListener({
      address: options.address,
      logger: options.logger,
      proto: 'webrtc',
      recvBufferSize: 4 * 1024 * 1024,
      idleMs: options.idleMs ?? 30_000,
      maxSessions: options.maxSessions ?? 10_000,
      fromUnknown: (msg, rinfo) => this.fromUnknown(msg, rinfo),
    });
  }

  get sessionCount(): number {
    return this.listener.size;
  }

  async start(): Promise<number> {
    const port = await this.listener.start();
    this.revalidateTimer = setInterval(() => void this.revalidate(), this.options.revalidateMs ?? 15_000);
    this.revalidateTimer.unref();
    return port;
  }

  /** Ends a session now (DELETE through the control plane). */
  closeByUsername(username: string): void {
    this.listener.get(username)?.close('deleted', 'DELETE through the control plane');
  }

  /** New clients are turned away from now on; live sessions go on (and may change address). */
  stopAccepting(): void {
    this.listener.stopAccepting();
  }

  /** Ends every session (`shutdown`) and the listener; resolves once every socket is closed. */
  close(): Promise<void> {
    if (this.revalidateTimer) clearInterval(this.revalidateTimer);
    this.pending.clear();
    return this.listener.close();
  }

  private fromUnknown(msg: Buffer, rinfo: RemoteInfo): void {
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

    const known = this.listener.get(username);
    if (known) {
      // ICE restart or network change: the same session from a new address, proven by the password.
      if (!provesPassword(msg, known.info)) {
        this.drop('binding request for a live session without valid MESSAGE-INTEGRITY', rinfo);
        return;
      }
      known.moveTo(rinfo.address, rinfo.port);
      known.fromClient(msg);
      return;
    }
    if (!this.listener.accepting) {
      this.drop('not accepting new sessions', rinfo);
      return;
    }
    if (this.options.draining?.()) {
      this.drop('this node is draining (reason draining): no new sessions', rinfo);
      return;
    }
    const pendingKey = `${rinfo.address}|${rinfo.port}`;
    const queued = this.pending.get(pendingKey);
    if (queued) {
      if (queued.length < MAX_QUEUED) queued.push(msg);
      return;
    }
    if (this.pending.size >= MAX_PENDING_LOOKUPS) {
      this.drop('too many session lookups in flight', rinfo);
      return;
    }
    if (this.listener.full) {
      this.drop('session table full', rinfo);
      return;
    }
    this.pending.set(pendingKey, [msg]);
    const name = username;
    this.options.lookup(name).then(
      (info) => this.onLookup(pendingKey, name, info, rinfo),
      (err) => {
        this.pending.delete(pendingKey);
        this.options.logger.warn('webrtc session lookup failed', {
          reason: 'control_unavailable',
          detail: errorMessage(err),
        });
      },
    );
  }

  private onLookup(pendingKey: string, username: string, info: RtcSession | null, rinfo: RemoteInfo): void {
    const queued = this.pending.get(pendingKey) ?? [];
    this.pending.delete(pendingKey);
    if (!this.listener.accepting) return;
    if (!info) {
      this.drop('no session for this USERNAME', rinfo);
      return;
    }
    // The first request must prove the password too, or whoever learnt the username could take
    // the session before its client does.
    const first = queued[0];
    if (!first || !provesPassword(first, info)) {
      this.drop('binding request without valid MESSAGE-INTEGRITY', rinfo);
      return;
    }
    const existing = this.listener.get(username);
    if (existing) {
      for (const packet of queued) existing.fromClient(packet);
      return;
    }
    const id = nextSessionId('rtc');
    const log = this.options.logger.child({
      cid: id,
      stream: info.stream,
      backend: info.backendId,
    });
    log.debug('webrtc session username', { username });
    const session = new WebRtcSession(this.listener, info, rinfo.address, rinfo.port, log);
    session.view.id = id;
    this.listener.add(session);
    log.info('webrtc session started', {
      client: `${rinfo.address}:${rinfo.port}`,
      media: `${info.media.host}:${info.media.port}`,
    });
    for (const packet of queued) session.fromClient(packet);
  }

  private async revalidate(): Promise<void> {
    if (this.revalidating) return;
    this.revalidating = true;
    for (const username of this.listener.keys()) {
      const session = this.listener.get(username);
      if (!session) continue;
      try {
        const info = await this.options.lookup(username);
        if (!info) session.close('deleted', 'the control plane no longer knows the session');
      } catch (err) {
        // The control plane being unreachable is no reason to cut live media.
        session.log.warn('webrtc session revalidation failed', { err: errorMessage(err) });
      }
    }
    this.revalidating = false;
  }

  private drop(detail: string, rinfo: RemoteInfo): void {
    this.listener.drop(detail, rinfo.address, rinfo.port);
  }
}

/**
 * True when a binding request carries MESSAGE-INTEGRITY keyed with the origin's ICE password
 * (what the control plane stored from the answer). A session stored without one (a control plane
 * older than this check) cannot be proven and is refused.
 */
function provesPassword(request: Buffer, info: RtcSession): boolean {
  if (!info.icePwd) return false;
  try {
    return verifyIntegrity(request, info.icePwd);
  } catch {
    return false;
  }
}
