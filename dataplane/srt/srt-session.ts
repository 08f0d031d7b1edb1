// One relayed SRT caller, from its conclusion on: the handshake with the origin as that caller
// (own socket, retransmitted until answered, bounded by a timeout), then the relay of every
// datagram both ways untouched. Owns its origin socket, its timers and its state; close(reason)
// is idempotent and removes it from the listener.

import type { Logger } from '../../shared/log.ts';
import type { CloseReason } from '../close-reason.ts';
import type { UdpListener } from '../udp-listener.ts';
import { UdpSession } from '../udp-session.ts';
import { decodeHandshake, type Handshake, HandshakeType, isHandshake, Rejection } from './handshake.ts';
import { ControlType, controlType, encodeControlHeader, isControl } from './packet.ts';
import { originConclusion, originInduction, rejection } from './relay-handshakes.ts';

const ORIGIN_RETRY_MS = 250;

export class SrtSession extends UdpSession {
  protected readonly closeMessage = 'srt session closed';
  state: 'connecting' | 'established' = 'connecting';
  /** The origin's answer to our conclusion, repeated to a caller that sends its conclusion again. */
  private conclusionResponse: Buffer | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private induction: Buffer | undefined;

  constructor(
    listener: UdpListener<SrtSession>,
    address: string,
    port: number,
    /** The caller's conclusion: what we send the origin in its name. */
    readonly conclusion: Handshake,
    log: Logger,
    handshakeMs: number,
  ) {
    super(listener, address, port, undefined, log);
    this.handshakeTimer = setTimeout(
      () => this.refuse(Rejection.Unavailable, 'backend_timeout', 'origin did not complete the handshake'),
      handshakeMs,
    );
  }

  /** The route is known: call the origin as the caller. */
  connect(host: string, port: number, backendId: string): void {
    if (this.isClosed) return;
    this.log = this.log.child({ backend: backendId });
    this.view.backend = backendId;
    this.induction = originInduction(this.conclusion, host);
    this.connectOrigin(host, port);
  }

  /** Tells the caller it is refused (`code`: an SRT rejection), then closes. */
  refuse(code: number, reason: CloseReason, detail: string): void {
    if (this.isClosed) return;
    this.toClient(rejection(this.conclusion, code));
    this.close(reason, `${detail} (rejected ${code})`);
  }

  fromClient(msg: Buffer): void {
    if (this.state === 'connecting') {
      // Handshakes now are the caller repeating its conclusion while the origin answers.
      if (!isHandshake(msg))
        this.listener.drop('not a handshake from a connecting caller', this.clientAddress, this.clientPort);
      return;
    }
    if (isControl(msg)) {
      const type = controlType(msg);
      // A caller that missed our conclusion response repeats its conclusion: answer from cache.
      if (type === ControlType.Handshake) {
        if (this.conclusionResponse) this.toClient(this.conclusionResponse);
        return;
      }
      if (type === ControlType.Shutdown) {
        this.origin?.send(msg);
        this.close('client_gone', 'caller sent shutdown');
        return;
      }
    }
    this.packetsUp++;
    this.bytesUp += msg.length;
    this.origin?.send(msg);
  }

  protected onOriginConnected(): void {
    if (this.induction) this.sendUntilAnswered(this.induction);
  }

  protected fromOrigin(msg: Buffer): void {
    if (this.state === 'established') {
      this.packetsDown++;
      this.bytesDown += msg.length;
      this.toClient(msg);
      if (isControl(msg) && controlType(msg) === ControlType.Shutdown)
        this.close('backend_gone', 'origin sent shutdown');
      return;
    }
    if (!isHandshake(msg)) return;
    let hs: Handshake;
    try {
      hs = decodeHandshake(msg);
    } catch {
      return;
    }
    if (hs.type === HandshakeType.Induction) {
      this.sendUntilAnswered(originConclusion(this.conclusion, hs.cookie));
    } else if (hs.type === HandshakeType.Conclusion) {
      this.releaseTimers();
      this.conclusionResponse = Buffer.from(msg);
      this.state = 'established';
      this.toClient(msg);
      this.log.info('srt relay started', { originSocket: hs.socketId });
    } else if (hs.type >= 1000) {
      // The origin refused (auth hook, unknown stream...): tell the caller in its own words.
      this.toClient(msg);
      this.close('backend_refused', `origin rejected the caller (${hs.type})`);
    }
  }

  protected onOriginError(err: Error): void {
    if (this.state !== 'established') {
      this.close('backend_refused', `origin socket: ${err.message}`);
      return;
    }
    // The origin is gone (a killed origin's port answers ICMP unreachable). Its replacement would
    // need a new handshake, with its own socket id and sequence numbers, which the caller would
    // see; so the caller is told at once (a shutdown in the origin's name) instead of finding out
    // by its peer-idle timeout, and reconnects, which routes it to a live origin.
    this.toClient(encodeControlHeader(ControlType.Shutdown, 0, 0, this.conclusion.socketId));
    this.close('backend_gone', `origin socket: ${err.message}`);
  }

  /** Counts this session as pending (node admission) until it relays or closes. */
  pending?: { release(): void };

  protected override releaseTimers(): void {
    // Established or closed: either way no longer pending.
    this.pending?.release();
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.handshakeTimer = undefined;
    this.retryTimer = undefined;
  }

  /** Handshake packets can be lost like any datagram: repeat until the origin answers. */
  private sendUntilAnswered(packet: Buffer): void {
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.origin?.send(packet);
    this.retryTimer = setInterval(() => this.origin?.send(packet), ORIGIN_RETRY_MS);
  }
}
