// One HLS request's decisions, whatever carries it (the Hono route on a Worker or Node, the Node
// fast path in process/hls-fast-path.ts): which backend and origin URL a player's request maps to,
// which request headers travel, which redirects are followed, what an origin error becomes, and
// the playlist rewrite. Transport-neutral: no Request/Response, no node:http.

import { originUrl } from '../../shared/endpoint.ts';
import { errorMessage, NotFoundError, SwitchyardError, UpstreamError } from '../../shared/errors.ts';
import type { HlsBackend, HlsResolver } from '../../shared/hls-resolver.ts';
import type { Signer } from '../../shared/signer.ts';
import { streamFromHttp, streamKey } from '../../shared/stream-identity.ts';
import { BACKEND_PARAM, rewritePlaylist, withoutParam } from './rewrite.ts';
import { readSegmentMarker, segmentMarker } from './segment-marker.ts';

export const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
/** Headers of a rewritten playlist (CORS comes on top). */
export const PLAYLIST_HEADERS: Readonly<Record<string, string>> = {
  'content-type': PLAYLIST_TYPE,
  'cache-control': 'no-cache',
};
const MAX_REDIRECTS = 3;
export const FETCH_TIMEOUT_MS = 10_000;

// A playlist is always fetched whole (players such as ffmpeg send Range: bytes=0-), since it is
// rewritten; segments keep Range and conditional headers.
const PLAYLIST_FORWARDED = ['user-agent'] as const;
const SEGMENT_FORWARDED = ['user-agent', 'range', 'if-none-match', 'if-modified-since'] as const;

/** The player request headers passed on to the origin. */
export function forwardedHeaderNames(isPlaylist: boolean): readonly string[] {
  return isPlaylist ? PLAYLIST_FORWARDED : SEGMENT_FORWARDED;
}

/** True for what the HLS routes serve: playlists, and anything carrying the backend marker. */
export function isHlsRequest(url: URL): boolean {
  return url.searchParams.has(BACKEND_PARAM) || url.pathname.toLowerCase().endsWith('.m3u8');
}

export interface HlsTarget {
  backend: HlsBackend;
  /** The origin URL at the backend's private address, marker removed. */
  url: URL;
  isPlaylist: boolean;
}

/** Told the stream and backend as soon as they are known, so a failure's log line can name them. */
export type HlsTagger = (name: 'stream' | 'backend', value: string) => void;

/**
 * Where a player's HLS request goes: a tagged request to the backend its signed marker names
 * (only for the path it was signed for), a new playlist to the backend routing picks.
 */
export async function resolveHlsTarget(
  resolver: HlsResolver,
  signer: Signer,
  url: URL,
  host: string | undefined,
  tag: HlsTagger,
): Promise<HlsTarget> {
  const marker = url.searchParams.get(BACKEND_PARAM);
  const isPlaylist = url.pathname.toLowerCase().endsWith('.m3u8');
  let backend: HlsBackend | null;
  if (marker !== null) {
    const backendId = readSegmentMarker(signer, marker, url.pathname);
    if (!backendId) throw new NotFoundError('segment URL not issued by this proxy; reload the playlist');
    backend = await resolver.lookup(backendId);
    if (!backend) throw new NotFoundError('unknown or expired HLS backend; reload the playlist');
  } else {
    const identity = streamFromHttp(host, `${url.pathname}${url.search}`);
    tag('stream', streamKey(identity));
    backend = await resolver.route(identity);
  }
  tag('backend', backend.id);
  const query = withoutParam(url.search.slice(1), BACKEND_PARAM);
  const target = new URL(originUrl(backend.address, `${url.pathname}${query ? `?${query}` : ''}`));
  return { backend, url: target, isPlaylist };
}

/** How one transport sends a GET to the backend and reads the parts of the answer redirects need. */
export interface OriginExchange<R> {
  send(pathAndQuery: string): Promise<R>;
  status(reply: R): number;
  location(reply: R): string | null | undefined;
  discard(reply: R): Promise<void> | void;
}

/**
 * Fetches from the backend, following redirects only while they stay on that backend. `url` is
 * the backend's own (private) URL: relative URIs and redirects resolve against it whichever way
 * the request travels. An error answer (>= 400) becomes an UpstreamError carrying its status.
 */
export async function fetchFromBackend<R>(exchange: OriginExchange<R>, url: URL): Promise<{ reply: R; url: URL }> {
  let current = url;
  for (let hop = 0; ; hop++) {
    let reply: R;
    try {
      reply = await exchange.send(`${current.pathname}${current.search}`);
    } catch (err) {
      if (err instanceof SwitchyardError) throw err;
      throw new UpstreamError(`backend unreachable: ${errorMessage(err)}`);
    }
    const status = exchange.status(reply);
    const location = exchange.location(reply);
    if (status >= 400) {
      await exchange.discard(reply);
      throw new UpstreamError(`backend answered ${status}`, { status });
    }
    if (status < 300 || !location) return { reply, url: current };
    await exchange.discard(reply);
    if (hop >= MAX_REDIRECTS) throw new UpstreamError('backend redirected too many times');
    const next = new URL(location, current);
    if (next.origin !== url.origin) throw new UpstreamError('backend redirected to another host');
    current = next;
  }
}

/** The playlist as players get it: every URI through the proxy, with a marker signed per path. */
export function rewrittenPlaylist(text: string, from: URL, signer: Signer, backendId: string): string {
  try {
    return rewritePlaylist(text, from, (path) => segmentMarker(signer, backendId, path));
  } catch (err) {
    throw new UpstreamError(`backend sent an invalid playlist: ${errorMessage(err)}`);
  }
}
