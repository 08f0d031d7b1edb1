// Which HTTP paths are live streams relayed byte-for-byte (HTTP-FLV, HTTP-TS, AAC, MP3), as
// opposed to HLS playlists/segments, APIs and static files. Pure.
//
// No file-name guessing: `/live/cam-2.ts` is a live TS stream. An HLS segment is told apart by
// what the request carries: every segment URI in a playlist we rewrote has the `sy_b` marker.
// Only its presence is looked at here; the HLS routes verify it.

import { GATEWAY_PREFIX } from '../../shared/gateway-ticket.ts';

/** Extensions SRS's http_remux serves as endless live streams. */
const LIVE_EXTENSIONS = ['.flv', '.ts', '.aac', '.mp3'];
/** The HLS segment marker: control/hls/rewrite.ts BACKEND_PARAM (a test checks they agree). */
export const HLS_SEGMENT_MARKER = 'sy_b';

export function isLiveStreamRequest(pathname: string, query: string): boolean {
  // The origin gateway's requests (segments included) are the edge's, never a live player's.
  if (pathname.startsWith(`${GATEWAY_PREFIX}/`)) return false;
  const lower = pathname.toLowerCase();
  if (!LIVE_EXTENSIONS.some((e) => lower.endsWith(e))) return false;
  if (query && new URLSearchParams(query).has(HLS_SEGMENT_MARKER)) return false;
  return lower.lastIndexOf('/') > 0;
}
