// Which HTTP paths are live streams relayed byte-for-byte (HTTP-FLV, HTTP-TS, ...), as opposed
// to HLS playlists/segments, APIs and static files. Pure.

import { GATEWAY_PREFIX } from '../../shared/gateway-ticket.ts';

/** Extensions SRS's http_remux serves as endless live streams. */
const LIVE_EXTENSIONS = ['.flv', '.ts', '.aac', '.mp3'];
/** Query markers of an HLS segment request (ours, SRS's, the Go proxy's). */
const HLS_MARKERS = ['hls_ctx=', 'spbhid=', 'sy_b='];

export function isLiveStreamRequest(pathname: string, query: string): boolean {
  // The origin gateway's requests (segments included) are the edge's, never a live player's.
  if (pathname.startsWith(`${GATEWAY_PREFIX}/`)) return false;
  const lower = pathname.toLowerCase();
  const ext = LIVE_EXTENSIONS.find((e) => lower.endsWith(e));
  if (!ext) return false;
  if (ext === '.ts' && HLS_MARKERS.some((m) => query.includes(m))) return false;
  // An HLS segment name usually ends in -<sequence>.ts; a live TS stream is /app/stream.ts.
  if (ext === '.ts' && /-\d+\.ts$/.test(lower)) return false;
  return lower.lastIndexOf('/') > 0;
}
