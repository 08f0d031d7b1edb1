// Every session a node relays, whatever its protocol, as the operator's sessions view shows it,
// and the kick (close reason `deleted`) by the id of its log lines.

import type { ListenerPlane } from './dataplane.ts';
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

export function listSessions(dataPlane: ListenerPlane, now: number): SessionView[] {
  const rtmp = [...(dataPlane.rtmp?.sessions ?? [])].map(
    (s): SessionView => ({
      ...s.view,
      protocol: 'rtmp',
      bytesIn: s.counters.up.bytes,
      bytesOut: s.counters.down.bytes,
      ageMs: now - s.startedAt,
      relaying: s.isRelaying,
    }),
  );
  // A WebRTC session relays from its first datagram; an SRT one once the origin's handshake is done.
  const webrtc = (dataPlane.webrtc?.listener.list() ?? []).map((s) => udpView(s, 'webrtc', now, true));
  const srt = (dataPlane.srt?.listener.list() ?? []).map((s) => udpView(s, 'srt', now, s.state === 'established'));
  return [...rtmp, ...(dataPlane.http?.streams.views(now) ?? []), ...webrtc, ...srt];
}

/** Closes the session with this id (close reason `deleted`); false when the node has none. */
export function kickSession(dataPlane: ListenerPlane, id: string): boolean {
  const detail = 'kicked by an operator';
  const rtmp = [...(dataPlane.rtmp?.sessions ?? [])].find((s) => s.view.id === id);
  if (rtmp) {
    rtmp.close('deleted', detail);
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
