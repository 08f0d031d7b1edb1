// One relayed WebRTC client: the session the control plane stored at signalling (keyed by ICE
// username), one connected UDP socket toward its origin, and datagrams (STUN, DTLS, SRTP/SRTCP)
// passed both ways untouched. What arrives before the origin socket is connected waits in a
// short queue. close(reason) is idempotent and removes the session from every listener map.

import type { RtcSession } from '../../shared/api-types.ts';
import type { Logger } from '../../shared/log.ts';
import type { UdpListener } from '../udp-listener.ts';
import { UdpSession } from '../udp-session.ts';

/** Datagrams kept per client while its session is looked up or its origin socket connects. */
export const MAX_QUEUED = 8;

export class WebRtcSession extends UdpSession {
  protected readonly closeMessage = 'webrtc session closed';
  private connected = false;
  private readonly queue: Buffer[] = [];

  constructor(
    listener: UdpListener<WebRtcSession>,
    readonly info: RtcSession,
    address: string,
    port: number,
    log: Logger,
  ) {
    super(listener, address, port, info.username, log);
    Object.assign(this.view, { kind: info.kind, stream: info.stream, backend: info.backendId });
    this.connectOrigin(info.media.host, info.media.port);
  }

  /** The client sends from a new address now (ICE restart, network change). */
  moveTo(address: string, port: number): void {
    this.listener.move(this, address, port);
    this.active = true;
    this.log.info('webrtc client moved', { client: `${address}:${port}` });
  }

  fromClient(msg: Buffer): void {
    this.packetsUp++;
    this.bytesUp += msg.length;
    if (this.connected) this.origin?.send(msg);
    else if (this.queue.length < MAX_QUEUED) this.queue.push(msg);
  }

  protected fromOrigin(msg: Buffer): void {
    this.packetsDown++;
    this.bytesDown += msg.length;
    this.toClient(msg);
  }

  protected onOriginConnected(): void {
    this.connected = true;
    for (const packet of this.queue) this.origin?.send(packet);
    this.queue.length = 0;
  }

  protected onOriginError(err: Error): void {
    this.close('backend_gone', `origin socket: ${err.message}`);
  }
}
