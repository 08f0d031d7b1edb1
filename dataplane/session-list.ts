// Every session a node relays, whatever its protocol, as the operator's sessions view shows it,
// and the kick (close reason `deleted`) by the id of its log lines.

import type { CloseReason } from './close-reason.ts';
import type { ListenerPlane } from './dataplane.ts';
import type { PipeCounters } from './relay-pipe.ts';
import type { SessionProtocol } from './session-metrics.ts';
import type { SessionView } from './session-view.ts';
import type { UdpSession } from './udp-session.ts';

function udpView(session: UdpSession, protocol: 'webrtc' | 'srt', now: number, relaying: boolean): SessionView {
  return {
    ...session.view,
    protocol,
    client: `${session.clientAddress}:${session.clientPort}`,
    bytesIn: session.bytesUp,
    bytesOut: session.bytesDown,
    ageMs: now - session.startedAt,
    relaying,
  };
}

/** An RTMP or RTSP session, as the view and the kick see it. */
interface TcpRelaySession {
  readonly view: { id: string; client: string; stream?: string; kind?: string; backend?: string };
  readonly counters: { up: PipeCounters; down: PipeCounters };
  readonly startedAt: number;
  readonly isRelaying: boolean;
  close(reason: CloseReason, detail?: string): void;
}

function tcpViews(
  listener: { sessions: ReadonlySet<TcpRelaySession> } | undefined,
  protocol: 'rtmp' | 'rtsp',
  now: number,
) {
  return [...(listener?.sessions ?? [])].map(
    (s): SessionView => ({
      ...s.view,
      protocol,
      bytesIn: s.counters.up.bytes,
      bytesOut: s.counters.down.bytes,
      ageMs: now - s.startedAt,
      relaying: s.isRelaying,
    }),
  );
}

/** Sessions open per protocol, as GET /api/v1/node and the sessions gauge show them. */
export type SessionCounts = Record<SessionProtocol, number>;

export function countSessions(dataPlane: ListenerPlane): SessionCounts {
  return {
    rtmp: dataPlane.rtmp?.sessions.size ?? 0,
    http: dataPlane.http?.activeStreams() ?? 0,
    rtsp: dataPlane.rtsp?.sessions.size ?? 0,
    webrtc: dataPlane.webrtc?.sessionCount ?? 0,
    srt: dataPlane.srt?.sessionCount ?? 0,
  };
}

export function listSessions(dataPlane: ListenerPlane, now: number): SessionView[] {
  // A WebRTC session relays from its first datagram; an SRT one once the origin's handshake is done.
  const webrtc = (dataPlane.webrtc?.listener.list() ?? []).map((s) => udpView(s, 'webrtc', now, true));
  const srt = (dataPlane.srt?.listener.list() ?? []).map((s) => udpView(s, 'srt', now, s.state === 'established'));
  return [
    ...tcpViews(dataPlane.rtmp, 'rtmp', now),
    ...tcpViews(dataPlane.rtsp, 'rtsp', now),
    ...(dataPlane.http?.streams.views(now) ?? []),
    ...webrtc,
    ...srt,
  ];
}

/** Closes the session with this id (close reason `deleted`); false when the node has none. */
export function kickSession(dataPlane: ListenerPlane, id: string): boolean {
  const detail = 'kicked by an operator';
  const tcp = [...(dataPlane.rtmp?.sessions ?? []), ...(dataPlane.rtsp?.sessions ?? [])].find(
    (s: TcpRelaySession) => s.view.id === id,
  );
  if (tcp) {
    tcp.close('deleted', detail);
    return true;
  }
  if (dataPlane.http?.streams.kick(id)) return true;
  const udp = [...(dataPlane.webrtc?.listener.list() ?? []), ...(dataPlane.srt?.listener.list() ?? [])].find(
    (s) => s.view.id === id,
  );
  if (!udp) return false;
  udp.close('deleted', detail);
  return true;
}
