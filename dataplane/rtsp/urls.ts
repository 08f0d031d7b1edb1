// The URLs of one RTSP play session. The first request with a URL fixes the stream (`/app/stream`)
// and the authority the client calls the proxy by; every later request must name the same
// authority and that stream or one of its tracks (`/app/stream/trackID=1`). Toward the origin the
// authority becomes the origin's; toward the client every `rtsp://` URL the origin wrote (in
// Content-Base, Content-Location, RTP-Info, Location and the SDP) names the proxy instead, and
// SDP/Transport addresses are blanked, so a player never learns where the origin is.

import { type StreamIdentity, streamFromHttp } from '../../shared/stream-identity.ts';
import { type Headers, header, RtspStatusError, setHeader } from './message.ts';

export interface RtspTarget {
  /** `host[:port]` as the client wrote it. */
  authority: string;
  /** Raw path, `/app/stream[/track]`. */
  path: string;
  /** Raw query with its `?`, or ''. */
  query: string;
}

const RTSP_URL = /^rtsp:\/\/([^/?#@\s\\]{1,260})(\/[^?#\s]*)?(\?[^#\s]*)?$/i;

/** Splits an `rtsp://` URL; 400 for anything else, for `.`/`..` segments and for backslashes. */
export function parseRtspUrl(url: string): RtspTarget {
  const match = RTSP_URL.exec(url);
  if (!match) throw new RtspStatusError(400, 'Bad Request', `not an rtsp:// URL: "${url.slice(0, 80)}"`);
  const path = match[2] ?? '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw new RtspStatusError(400, 'Bad Request', `invalid percent-encoding in "${path.slice(0, 80)}"`);
  }
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.' || s.includes('\\'))) {
    throw new RtspStatusError(400, 'Bad Request', `path with a relative segment: "${path.slice(0, 80)}"`);
  }
  return { authority: match[1] as string, path, query: match[3] ?? '' };
}

/** The stream a play URL names: the path's last segment is the stream, the rest the app. */
export function streamFromRtsp(target: RtspTarget): StreamIdentity {
  try {
    return streamFromHttp(target.authority, `${target.path.replace(/\/+$/, '')}${target.query}`);
  } catch (err) {
    throw new RtspStatusError(404, 'Not Found', (err as Error).message);
  }
}

export class SessionUrls {
  /** The stream path without a trailing slash, `/app/stream`. */
  private readonly base: string;

  constructor(
    /** What the client calls the proxy, e.g. `node.example.com:8554`. */
    readonly clientAuthority: string,
    streamPath: string,
    /** The origin's `host:port` (IPv6 in brackets). */
    readonly originAuthority: string,
  ) {
    this.base = streamPath.replace(/\/+$/, '');
  }

  /** The origin's URL for a client request URL; 400 when it names another host or stream. */
  toOrigin(url: string): string {
    const target = parseRtspUrl(url);
    if (target.authority.toLowerCase() !== this.clientAuthority.toLowerCase()) {
      throw new RtspStatusError(400, 'Bad Request', `URL names another host: "${target.authority.slice(0, 80)}"`);
    }
    const rest = target.path.slice(this.base.length);
    const inStream = target.path.startsWith(this.base) && (rest === '' || /^\/[^/]*$/.test(rest));
    if (!inStream) {
      throw new RtspStatusError(400, 'Bad Request', `URL names another stream: "${target.path.slice(0, 80)}"`);
    }
    return `rtsp://${this.originAuthority}${target.path}${target.query}`;
  }

  /** Rewrites an origin response's headers and SDP body for the client (see the file comment). */
  toClient(headers: Headers, body: Buffer): Buffer {
    for (const name of ['Content-Base', 'Content-Location', 'RTP-Info', 'Location']) {
      const value = header(headers, name);
      if (value !== undefined) setHeader(headers, name, this.clientUrls(value));
    }
    const transport = header(headers, 'Transport');
    if (transport !== undefined) setHeader(headers, 'Transport', withoutAddresses(transport));
    if (body.length === 0) return body;
    const sdp = body.toString('latin1');
    const rewritten = blankSdpAddresses(this.clientUrls(sdp));
    return rewritten === sdp ? body : Buffer.from(rewritten, 'latin1');
  }

  private clientUrls(text: string): string {
    return text.replace(/rtsps?:\/\/[^/\s;,"'<>]*/gi, `rtsp://${this.clientAuthority}`);
  }
}

/** `Transport` without `source=`/`destination=` (addresses a TCP-interleaved player never needs). */
export function withoutAddresses(transport: string): string {
  return transport.replace(/;\s*(?:source|destination)=[^;,]*/gi, '');
}

/** SDP origin (`o=`) and connection (`c=`) lines with the address replaced by 0.0.0.0. */
export function blankSdpAddresses(sdp: string): string {
  return sdp
    .replace(/^(o=\S+ \S+ \S+ IN) IP[46] \S+/gm, '$1 IP4 0.0.0.0')
    .replace(/^c=IN IP[46] [^\r\n]+/gm, 'c=IN IP4 0.0.0.0');
}

/**
 * The TCP-interleaved specs of a SETUP's Transport header (a client may offer several, comma
 * separated); undefined when it offers none, which the proxy answers with 461 as SRS does.
 */
export function interleavedTransport(transport: string | undefined): string | undefined {
  if (transport === undefined) return undefined;
  const specs = transport
    .split(',')
    .map((s) => s.trim())
    .filter((s) => /^RTP\/AVP\/TCP(;|$)/i.test(s) && /;\s*interleaved=\d{1,3}(-\d{1,3})?\s*(;|$)/i.test(s));
  return specs.length > 0 ? specs.join(',') : undefined;
}
