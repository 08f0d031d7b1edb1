// SRT relay: owns the public UDP socket (PROXY_SRT_SERVER). Answers a caller's induction itself
// (stateless, SYN cookie), reads the stream id from its conclusion, routes it, and performs the
// handshake with the origin as that caller: same socket id, same initial sequence number, the
// caller's own HSREQ/KMREQ/SID extensions. The origin's conclusion response then goes to the
// caller verbatim, so both ends address each other's socket ids and every later datagram (data,
// ACK, NAK, keepalive, encrypted or not) is relayed without rewriting. Backend handshakes run
// concurrently on their own sockets; nothing waits in the receive loop.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { ListenAddress } from '../../shared/config.ts';
import { errorMessage, NoBackendError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { streamFromSrtId, streamKey } from '../../shared/stream-identity.ts';
import type { ControlClient } from '../control-client.ts';
import { nextSessionId } from '../session-id.ts';
import { AddressMap, bindUdpSocket, closeUdpSocket, DropLog } from '../udp-edge.ts';
import {
  decodeHandshake,
  encodeHandshake,
  type Handshake,
  HandshakeType,
  INDUCTION_EXTENSION,
  isHandshake,
  Rejection,
  SRT_MAGIC,
  streamIdOf,
} from './handshake.ts';
import { ControlType, controlType, isControl } from './packet.ts';
import { ipv4Field, SrtSession } from './srt-session.ts';
import { SynCookies } from './syn-cookie.ts';

export interface SrtRelayOptions {
  address: ListenAddress;
  control: ControlClient;
  logger: Logger;
  idleMs?: number;
  backendHandshakeMs?: number;
  maxSessions?: number;
}

const BACKEND_RETRY_MS = 250;

export class SrtRelay {
  private socket: Socket | undefined;
  private readonly sessions = new AddressMap<SrtSession>();
  private readonly cookies = new SynCookies();
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly drops: DropLog;
  private readonly idleMs: number;
  private readonly handshakeMs: number;
  private readonly maxSessions: number;

  constructor(private readonly options: SrtRelayOptions) {
    this.idleMs = options.idleMs ?? 15_000;
    this.handshakeMs = options.backendHandshakeMs ?? 5_000;
    this.maxSessions = options.maxSessions ?? 10_000;
    this.drops = new DropLog(options.logger, 'srt datagram dropped');
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  async start(): Promise<number> {
    const socket = await bindUdpSocket(
      this.options.address,
      (msg, rinfo) => this.onMessage(msg, rinfo),
      this.options.logger,
      8 * 1024 * 1024,
    );
    this.socket = socket;
    this.sweepTimer = setInterval(() => this.sweep(), Math.min(5_000, this.idleMs / 2));
    this.sweepTimer.unref();
    return socket.address().port;
  }

  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const s of this.sessions.values()) this.closeSession(s, 'shutdown');
    await closeUdpSocket(this.socket);
    this.socket = undefined;
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    const session = this.sessions.get(rinfo.address, rinfo.port);
    if (session?.state === 'established') {
      session.lastSeen = Date.now();
      if (isControl(msg)) {
        const type = controlType(msg);
        // A caller that missed our conclusion response repeats its conclusion: answer from cache.
        if (type === ControlType.Handshake) {
          if (session.conclusionResponse) this.sendToCaller(session, session.conclusionResponse);
          return;
        }
        if (type === ControlType.Shutdown) {
          session.backend?.send(msg);
          this.closeSession(session, 'caller shutdown');
          return;
        }
      }
      session.packetsUp++;
      session.backend?.send(msg);
      return;
    }
    if (!isHandshake(msg)) {
      this.drop('not a handshake from an unknown caller', rinfo);
      return;
    }
    let hs: Handshake;
    try {
      hs = decodeHandshake(msg);
    } catch (err) {
      this.drop(`malformed handshake: ${errorMessage(err)}`, rinfo);
      return;
    }
    if (session) {
      // A retransmitted conclusion while the origin handshake runs, or after it finished.
      if (hs.type === HandshakeType.Conclusion && session.conclusionResponse)
        this.sendToCaller(session, session.conclusionResponse);
      return;
    }
    if (hs.type === HandshakeType.Induction) this.answerInduction(hs, rinfo);
    else if (hs.type === HandshakeType.Conclusion) this.onConclusion(hs, rinfo);
    else this.drop(`unexpected handshake type ${hs.type}`, rinfo);
  }

  private answerInduction(hs: Handshake, rinfo: RemoteInfo): void {
    const reply = encodeHandshake({
      ...hs,
      timestamp: 0,
      destination: hs.socketId,
      version: 5,
      encryption: 0,
      extensionField: SRT_MAGIC,
      type: HandshakeType.Induction,
      socketId: hs.socketId ^ 0x5a5a5a5a,
      cookie: this.cookies.make(rinfo.address, rinfo.port),
      peerIp: ipv4Field(rinfo.address),
      extensions: [],
    });
    this.socket?.send(reply, rinfo.port, rinfo.address);
  }

  private reject(hs: Handshake, rinfo: RemoteInfo, code: number, reason: string): void {
    this.options.logger.warn('srt caller rejected', { client: `${rinfo.address}:${rinfo.port}`, code, reason });
    const reply = encodeHandshake({
      ...hs,
      timestamp: 0,
      destination: hs.socketId,
      type: code,
      extensions: [],
      socketId: 0,
    });
    this.socket?.send(reply, rinfo.port, rinfo.address);
  }

  private onConclusion(hs: Handshake, rinfo: RemoteInfo): void {
    if (!this.cookies.check(hs.cookie, rinfo.address, rinfo.port)) {
      this.drop('conclusion with a wrong SYN cookie', rinfo);
      return;
    }
    if (hs.version < 5) {
      this.reject(hs, rinfo, Rejection.BadRequest, 'HSv4 callers are not supported');
      return;
    }
    let identity: ReturnType<typeof streamFromSrtId>;
    try {
      const sid = streamIdOf(hs);
      if (sid === undefined) throw new Error('no stream id (set streamid=#!::r=app/stream,m=publish)');
      identity = streamFromSrtId(sid);
    } catch (err) {
      this.reject(hs, rinfo, Rejection.BadRequest, errorMessage(err));
      return;
    }
    if (this.sessions.size >= this.maxSessions) {
      this.reject(hs, rinfo, Rejection.Unavailable, 'session table full');
      return;
    }
    const log = this.options.logger.child({
      cid: nextSessionId('srt'),
      client: `${rinfo.address}:${rinfo.port}`,
      stream: streamKey(identity.identity),
      mode: identity.mode,
    });
    const session = new SrtSession(rinfo.address, rinfo.port, hs, log);
    this.sessions.set(rinfo.address, rinfo.port, session);
    session.timer = setTimeout(() => {
      this.reject(hs, rinfo, Rejection.Unavailable, 'origin did not complete the handshake');
      this.closeSession(session, 'origin handshake timed out');
    }, this.handshakeMs);
    this.options.control.route({ ...identity.identity, proto: 'srt' }).then(
      (route) => {
        if (session.state === 'closed') return;
        session.log = session.log.child({ backend: route.backend.id });
        this.connectBackend(session, route.address.host, route.address.port);
      },
      (err) => {
        const code = err instanceof NoBackendError ? Rejection.Unavailable : Rejection.NotFound;
        this.reject(hs, rinfo, code, errorMessage(err));
        this.closeSession(session, `routing failed: ${errorMessage(err)}`);
      },
    );
  }

  private connectBackend(session: SrtSession, host: string, port: number): void {
    const caller = session.conclusion;
    const backend = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    session.backend = backend;
    backend.on('error', (err) => this.closeSession(session, `origin socket: ${err.message}`));
    backend.on('message', (msg) => this.onBackendMessage(session, msg));
    const induction = encodeHandshake({
      ...caller,
      timestamp: 0,
      destination: 0,
      version: 4,
      encryption: 0,
      extensionField: INDUCTION_EXTENSION,
      type: HandshakeType.Induction,
      cookie: 0,
      peerIp: ipv4Field(host),
      extensions: [],
    });
    backend.connect(port, host, () => {
      backend.send(induction);
      // Handshake packets can be lost like any datagram: repeat until the origin answers.
      session.retry = setInterval(() => backend.send(induction), BACKEND_RETRY_MS);
    });
  }

  private onBackendMessage(session: SrtSession, msg: Buffer): void {
    if (session.state === 'established') {
      session.packetsDown++;
      this.sendToCaller(session, msg);
      if (isControl(msg) && controlType(msg) === ControlType.Shutdown) this.closeSession(session, 'origin shutdown');
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
      if (session.retry) clearInterval(session.retry);
      // Our conclusion is the caller's own, carrying the origin's cookie.
      const conclusion = encodeHandshake({ ...session.conclusion, timestamp: 0, destination: 0, cookie: hs.cookie });
      session.backend?.send(conclusion);
      session.retry = setInterval(() => session.backend?.send(conclusion), BACKEND_RETRY_MS);
    } else if (hs.type === HandshakeType.Conclusion) {
      if (session.retry) clearInterval(session.retry);
      if (session.timer) clearTimeout(session.timer);
      session.conclusionResponse = Buffer.from(msg);
      session.state = 'established';
      session.lastSeen = Date.now();
      this.sendToCaller(session, msg);
      session.log.info('srt relay started', { originSocket: hs.socketId });
    } else if (hs.type >= 1000) {
      // The origin refused (auth hook, unknown stream...): tell the caller in its own words.
      this.sendToCaller(session, msg);
      this.closeSession(session, `origin rejected the caller (${hs.type})`);
    }
  }

  private sendToCaller(session: SrtSession, msg: Buffer): void {
    this.socket?.send(msg, session.callerPort, session.callerAddress);
  }

  private closeSession(session: SrtSession, reason: string): void {
    if (session.state === 'closed') return;
    session.state = 'closed';
    if (session.timer) clearTimeout(session.timer);
    if (session.retry) clearInterval(session.retry);
    try {
      session.backend?.close();
    } catch {
      // already closed
    }
    this.sessions.delete(session.callerAddress, session.callerPort, session);
    session.log.info('srt session closed', { reason, packetsUp: session.packetsUp, packetsDown: session.packetsDown });
  }

  private sweep(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const s of this.sessions.values()) {
      if (s.state === 'established' && s.lastSeen < cutoff) this.closeSession(s, 'idle');
    }
  }

  private drop(reason: string, rinfo: RemoteInfo): void {
    this.drops.drop(reason, rinfo);
  }
}
