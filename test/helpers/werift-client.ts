// werift as a WHIP publisher and a WHEP player, talking to Switchyard's signalling.
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket } from 'werift';
import { LOOPBACK_ICE } from './werift-origin.ts';

/** What both kinds of client have: the connection and Switchyard's signalling answer. */
export interface WebRtcClient {
  pc: RTCPeerConnection;
  location: string;
  answer: string;
  close(): Promise<void>;
}

export interface WhipPublisher extends WebRtcClient {
  /** RTP packets written to the connection so far. */
  rtpSent(): number;
  stopSending(): void;
}

export interface WhepPlayer extends WebRtcClient {
  /** RTP packets that arrived on the played track so far. */
  rtpReceived(): number;
}

async function signal(url: string, offer: string): Promise<{ answer: string; location: string; status: number }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: offer });
  const answer = await res.text();
  return { answer, location: res.headers.get('location') ?? '', status: res.status };
}

function waitConnected(pc: RTCPeerConnection, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (pc.connectionState === 'connected') return resolve();
    const timer = setTimeout(() => reject(new Error(`not connected: ${pc.connectionState}`)), timeoutMs);
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/**
 * Offer, answer, connect. A peer that fails any step is closed before the error goes up: an
 * unclosed werift peer keeps its UDP sockets (and the test process) alive.
 */
async function negotiate(
  pc: RTCPeerConnection,
  endpoint: string,
  kind: 'WHIP' | 'WHEP',
): Promise<{ answer: string; location: string }> {
  try {
    await pc.setLocalDescription(await pc.createOffer());
    const { answer, location, status } = await signal(endpoint, pc.localDescription?.sdp ?? '');
    if (status !== 201) throw new Error(`${kind} answered ${status}: ${answer}`);
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    await waitConnected(pc);
    return { answer, location };
  } catch (err) {
    await pc.close().catch(() => {});
    throw err;
  }
}

export async function whipPublish(endpoint: string): Promise<WhipPublisher> {
  const pc = new RTCPeerConnection({ ...LOOPBACK_ICE } as never);
  const track = new MediaStreamTrack({ kind: 'video' });
  pc.addTransceiver(track, { direction: 'sendonly' });
  const { answer, location } = await negotiate(pc, endpoint, 'WHIP');
  let seq = 0;
  let sent = 0;
  const timer = setInterval(() => {
    sent++;
    seq = (seq + 1) & 0xffff;
    const header = new RtpHeader({
      sequenceNumber: seq,
      timestamp: seq * 3000,
      payloadType: 96,
      ssrc: 4242,
      marker: true,
    });
    track.writeRtp(new RtpPacket(header, Buffer.alloc(600, seq & 0xff)));
  }, 20);
  return {
    pc,
    location,
    answer,
    rtpSent: () => sent,
    stopSending: () => clearInterval(timer),
    close: async () => {
      clearInterval(timer);
      await pc.close();
    },
  };
}

export async function whepPlay(endpoint: string): Promise<WhepPlayer> {
  const pc = new RTCPeerConnection({ ...LOOPBACK_ICE } as never);
  pc.addTransceiver('video', { direction: 'recvonly' });
  let received = 0;
  pc.onTrack.subscribe((track) => {
    track.onReceiveRtp.subscribe(() => {
      received++;
    });
  });
  const { answer, location } = await negotiate(pc, endpoint, 'WHEP');
  return { pc, location, answer, rtpReceived: () => received, close: () => pc.close() };
}
