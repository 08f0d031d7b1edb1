// SRT relay on the shared UDP listener (PROXY_SRT_SERVER). Answers a caller's induction itself
// (stateless, SYN cookie), reads the stream id from its conclusion, routes it, and hands the
// caller to an SrtSession, which performs the handshake with the origin as that caller: same
// socket id, same initial sequence number, the caller's own HSREQ/KMREQ/SID extensions. The
// origin's conclusion response then goes to the caller verbatim, so both ends address each
// other's socket ids and every later datagram (data, ACK, NAK, keepalive, encrypted or not) is
// relayed without rewriting. Origin handshakes run concurrently; nothing waits in the receive loop.

import type { RemoteInfo } from 'node:dgram';
import type { ListenAddress } from '../../shared/config.ts';
import { errorMessage, NoBackendError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { streamFromSrtId, streamKey } from '../../shared/stream-identity.ts';
import type { Admission } from '../admission.ts';
import type { CloseReason } from '../close-reason.ts';
import { routeFailure } from '../close-reason.ts';
import type { ControlClient } from '../control-client.ts';
import { nextSessionId } from '../session-id.ts';
import { UdpListener } from '../udp-listener.ts';
import { decodeHandshake, type Handshake, HandshakeType, isHandshake, Rejection, streamIdOf } from './handshake.ts';
import { inductionAnswer, rejection } from './relay-handshakes.ts';
import { SrtSession } from './srt-session.ts';
import { SynCookies } from './syn-cookie.ts';

export interface SrtRelayOptions {
  address: ListenAddress;
  control: ControlClient;
  logger: Logger;
  idleMs?: number;
  backendHandshakeMs?: number;
  maxSessions?: number;
  /** The node's limits on sessions not relaying yet, shared with the TCP listeners. */
  admission?: Admission;
}

export class SrtRelay {
  readonly listener: UdpListener<SrtSession>;
  private readonly cookies = new SynCookies();
  private readonly handshakeMs: number;

  constructor(private readonly options: SrtRelayOptions) {
    this.handshakeMs = options.backendHandshakeMs ?? 5_000;
    this.listener = new UdpListener({
      address: options.address,
      logger: options.logger,
      proto: 'srt',
      recvBufferSize: 8 * 1024 * 1024,
      idleMs: options.idleMs ?? 15_000,
      maxSessions: options.maxSessions ?? 10_000,
      fromUnknown: (msg, rinfo) => this.fromUnknown(msg, rinfo),
    });
  }

  get sessionCount(): number {
    return this.listener.size;
  }

  start(): Promise<number> {
    return this.listener.start();
  }

  /** New callers are ignored from now on; live sessions go on. */
  stopAccepting(): void {
    this.listener.stopAccepting();
  }

  /** Ends every session (`shutdown`) and the listener; resolves once every socket is closed. */
  close(): Promise<void> {
    return this.listener.close();
  }

  private fromUnknown(msg: Buffer, rinfo: RemoteInfo): void {
    if (!isHandshake(msg)) {
      this.drop('not a handshake from an unknown caller', rinfo);
      return;
    }
    if (!this.listener.accepting) {
      this.drop('not accepting new callers', rinfo);
      return;
    }
    let hs: Handshake;
    try {
      hs = decodeHandshake(msg);
    } catch (err) {
      this.drop(`malformed handshake: ${errorMessage(err)}`, rinfo);
      return;
    }
    if (hs.type === HandshakeType.Induction) {
      this.listener.send(
        inductionAnswer(hs, this.cookies.make(rinfo.address, rinfo.port), rinfo.address),
        rinfo.port,
        rinfo.address,
      );
    } else if (hs.type === HandshakeType.Conclusion) {
      this.onConclusion(hs, rinfo);
    } else {
      this.drop(`unexpected handshake type ${hs.type}`, rinfo);
    }
  }

  /** Refuses a caller that never got a session. */
  private reject(hs: Handshake, rinfo: RemoteInfo, code: number, reason: CloseReason, detail: string): void {
    this.options.logger.warn('srt caller rejected', {
      client: `${rinfo.address}:${rinfo.port}`,
      code,
      reason,
      detail,
    });
    this.listener.send(rejection(hs, code), rinfo.port, rinfo.address);
  }

  private onConclusion(hs: Handshake, rinfo: RemoteInfo): void {
    if (!this.cookies.check(hs.cookie, rinfo.address, rinfo.port)) {
      this.drop('conclusion with a wrong SYN cookie', rinfo);
      return;
    }
    if (hs.version < 5) {
      this.reject(hs, rinfo, Rejection.BadRequest, 'bad_input', 'HSv4 callers are not supported');
      return;
    }
    let identity: ReturnType<typeof streamFromSrtId>;
    try {
      const sid = streamIdOf(hs);
      if (sid === undefined) throw new Error('no stream id (set streamid=#!::r=app/stream,m=publish)');
      identity = streamFromSrtId(sid);
    } catch (err) {
      this.reject(hs, rinfo, Rejection.BadRequest, 'bad_input', errorMessage(err));
      return;
    }
    if (this.listener.full) {
      this.reject(hs, rinfo, Rejection.Unavailable, 'overloaded', 'session table full');
      return;
    }
    const admitted = this.options.admission?.admit(rinfo.address);
    if (admitted && !admitted.ok) {
      this.reject(hs, rinfo, Rejection.Unavailable, 'overloaded', admitted.reason);
      return;
    }
    const view = {
      id: nextSessionId('srt'),
      stream: streamKey(identity.identity),
      kind: identity.mode === 'publish' ? 'publish' : 'play',
    };
    const log = this.options.logger.child({
      cid: view.id,
      client: `${rinfo.address}:${rinfo.port}`,
      stream: view.stream,
      mode: identity.mode,
    });
    const session = new SrtSession(this.listener, rinfo.address, rinfo.port, hs, log, this.handshakeMs);
    Object.assign(session.view, view);
    session.pending = admitted;
    this.listener.add(session);
    this.options.control.route({ ...identity.identity, proto: 'srt' }).then(
      (route) => session.connect(route.address.host, route.address.port, route.backend.id),
      (err) => {
        const code = err instanceof NoBackendError ? Rejection.Unavailable : Rejection.NotFound;
        session.refuse(code, routeFailure(err), `routing failed: ${errorMessage(err)}`);
      },
    );
  }

  private drop(detail: string, rinfo: RemoteInfo): void {
    this.listener.drop(detail, rinfo.address, rinfo.port);
  }
}
