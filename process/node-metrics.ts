// Scrape-time gauges of one node: sessions open per protocol, the drain state, and the bytes of
// sessions still open, per protocol. Registered in the process registry; the returned function removes them.

import type { ListenerPlane } from '../dataplane/dataplane.ts';
import { countSessions } from '../dataplane/session-list.ts';
import { countLiveBytes } from '../dataplane/session-metrics.ts';
import type { UdpSession } from '../dataplane/udp-session.ts';
import { defaultRegistry } from '../shared/metrics.ts';
import type { NodeDrain } from './node-admin.ts';

const active = defaultRegistry.gauge('switchyard_sessions_active', 'Client sessions open on this node, by protocol.', [
  'protocol',
]);
const draining = defaultRegistry.gauge('switchyard_node_draining', '1 while this node drains (operator or SIGTERM).');

function udpBytes(sessions: UdpSession[]): { up: number; down: number } {
  let up = 0;
  let down = 0;
  for (const s of sessions) {
    up += s.bytesUp;
    down += s.bytesDown;
  }
  return { up, down };
}

export function collectNodeMetrics(dataPlane: ListenerPlane, drain: NodeDrain): () => void {
  const stopCollect = defaultRegistry.onCollect(() => {
    for (const [protocol, count] of Object.entries(countSessions(dataPlane))) active.set({ protocol }, count);
    draining.set({}, drain.draining ? 1 : 0);
  });
  const stopBytes = [
    countLiveBytes('rtmp', () => {
      let up = 0;
      let down = 0;
      for (const s of dataPlane.rtmp?.sessions ?? []) {
        up += s.counters.up.bytes;
        down += s.counters.down.bytes;
      }
      return { up, down };
    }),
    countLiveBytes('http', () => dataPlane.http?.streams.liveBytes() ?? { up: 0, down: 0 }),
    countLiveBytes('webrtc', () => udpBytes(dataPlane.webrtc?.listener.list() ?? [])),
    countLiveBytes('srt', () => udpBytes(dataPlane.srt?.listener.list() ?? [])),
  ];
  return () => {
    stopCollect();
    for (const stop of stopBytes) stop();
  };
}
