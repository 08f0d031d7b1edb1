// A small WebRTC origin for tests, built on werift, that behaves like SRS's API: WHIP/WHEP POST
// answers 201 with one host candidate and a relative Location carrying a token; DELETE on that
// Location closes the session. A publisher's video RTP is forwarded to every player of the
// stream. Test-only: Switchyard itself uses no werift code.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { MediaStreamTrack, RTCPeerConnection, type RtpPacket } from 'werift';
import { startLoopbackStun } from './loopback-stun.ts';
import { freePort } from './ports.ts';

const stun = await startLoopbackStun();

/** Loopback only: nothing in these tests may send to another address (see loopback-stun.ts). */
export const LOOPBACK_ICE = {
  iceServers: [{ urls: `stun:127.0.0.1:${stun.port}` }],
  iceInterfaceAddresses: { udp4: '127.0.0.1' },
  iceUseIpv6: false,
  iceUseLinkLocalAddress: false,
  iceFilterCandidatePair: (pair: { remoteCandidate: { host: string } }) => pair.remoteCandidate.host === '127.0.0.1',
} as const;

interface OriginSession {
  pc: RTCPeerConnection;
  stream: string;
  kind: 'publish' | 'play';
  track?: MediaStreamTrack;
}

export interface WebRtcOrigin {
  port: number;
  sessions: Map<string, OriginSession>;
  deleted: string[];
  /** RTP packets received from publishers, per stream. */
  received: Map<string, number>;
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => resolve(body));
  });
}

/** Candidates stripped: the origin must learn its peer from checks arriving through the relay. */
function withoutCandidates(sdp: string): string {
  return sdp
    .split('\r\n')
    .filter((l) => !l.startsWith('a=candidate:') && !l.startsWith('a=end-of-candidates'))
    .join('\r\n');
}

/**
 * Exactly one host candidate per media section, as SRS answers, on 127.0.0.1 where werift's
 * socket is bound (werift announces the machine's interface address instead).
 */
function oneLoopbackCandidate(sdp: string): string {
  const lines = sdp.split('\r\n');
  const out: string[] = [];
  let kept = false;
  for (let line of lines) {
    if (line.startsWith('m=')) kept = false;
    if (line.startsWith('a=candidate:')) {
      const parts = line.split(' ');
      if (kept || parts[2]?.toLowerCase() !== 'udp') continue;
      parts[4] = '127.0.0.1';
      line = parts.join(' ');
      kept = true;
    }
    if (line.startsWith('a=end-of-candidates')) continue;
    out.push(line);
  }
  return out.join('\r\n');
}

export async function startWebRtcOrigin(): Promise<WebRtcOrigin> {
  const sessions = new Map<string, OriginSession>();
  const deleted: string[] = [];
  const received = new Map<string, number>();
  const players = (stream: string) => [...sessions.values()].filter((s) => s.stream === stream && s.kind === 'play');

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://origin');
    const app = url.searchParams.get('app') ?? '';
    const streamName = url.searchParams.get('stream') ?? '';
    const stream = `${app}/${streamName}`;
    if (req.method === 'DELETE') {
      const session = url.searchParams.get('session') ?? '';
      const s = sessions.get(session);
      if (!s || url.searchParams.get('token') !== 'tk') {
        res.writeHead(404).end();
        return;
      }
      sessions.delete(session);
      deleted.push(session);
      await s.pc.close();
      res.writeHead(200).end();
      return;
    }
    // SRS's legacy JSON APIs: {"sdp","streamurl"} in, {"code":0,"sdp",...} out.
    if (req.method === 'POST' && (url.pathname === '/rtc/v1/publish/' || url.pathname === '/rtc/v1/play/')) {
      const body = JSON.parse(await readBody(req)) as { sdp: string; streamurl: string };
      const m = /^webrtc:\/\/[^/]+\/(.+)\/([^/?]+)/.exec(body.streamurl);
      const kindLegacy = url.pathname === '/rtc/v1/publish/' ? 'publish' : 'play';
      const { answer, username } = await negotiate(kindLegacy, `${m?.[1]}/${m?.[2]}`, body.sdp);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 0, server: 'werift-origin', sessionid: username, sdp: answer }));
      return;
    }
    const kind = url.pathname.startsWith('/rtc/v1/whip')
      ? 'publish'
      : url.pathname.startsWith('/rtc/v1/whep')
        ? 'play'
        : undefined;
    if (req.method !== 'POST' || !kind || !app || !streamName) {
      res.writeHead(400).end('bad request');
      return;
    }
    const offer = await readBody(req);
    const { answer, username } = await negotiate(kind, stream, offer);
    const location = `${kind === 'publish' ? '/rtc/v1/whip/' : '/rtc/v1/whep/'}?action=delete&token=tk&app=${app}&stream=${streamName}&session=${encodeURIComponent(username)}`;
    res.writeHead(201, { 'content-type': 'application/sdp', location, 'x-origin-id': randomBytes(2).toString('hex') });
    res.end(answer);
  };

  const negotiate = async (kind: 'publish' | 'play', stream: string, offer: string) => {
    const pc = new RTCPeerConnection({ ...LOOPBACK_ICE } as never);
    const session: OriginSession = { pc, stream, kind };
    if (kind === 'play') {
      session.track = new MediaStreamTrack({ kind: 'video' });
      pc.addTransceiver(session.track, { direction: 'sendonly' });
    } else {
      pc.onTrack.subscribe((track) => {
        track.onReceiveRtp.subscribe((rtp: RtpPacket) => {
          received.set(stream, (received.get(stream) ?? 0) + 1);
          for (const p of players(stream)) p.track?.writeRtp(rtp);
        });
      });
    }
    await pc.setRemoteDescription({ type: 'offer', sdp: withoutCandidates(offer) });
    await pc.setLocalDescription(await pc.createAnswer());
    const answer = oneLoopbackCandidate(pc.localDescription?.sdp ?? '');
    const answerUfrag = /a=ice-ufrag:(\S+)/.exec(answer)?.[1];
    const offerUfrag = /a=ice-ufrag:(\S+)/.exec(offer)?.[1];
    const username = `${answerUfrag}:${offerUfrag}`;
    sessions.set(username, session);
    return { answer, username };
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      res.writeHead(500).end(String(err));
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port,
    sessions,
    deleted,
    received,
    stop: async () => {
      for (const s of sessions.values()) await s.pc.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
