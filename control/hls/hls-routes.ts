// HLS through the proxy: playlists are fetched from the stream's backend and rewritten; segment,
// key, init and sub-playlist requests carry `sy_b` and go to that same backend, on any
// control-plane instance, with no per-session state. Mountable on the control app and on a
// data-plane node's HTTP server.

import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { StatusCode } from 'hono/utils/http-status';
import { originUrl } from '../../shared/endpoint.ts';
import { errorMessage, NotFoundError, SwitchyardError, UpstreamError } from '../../shared/errors.ts';
import type { HlsBackend, HlsOriginRequest, HlsResolver } from '../../shared/hls-resolver.ts';
import { passedHeaders } from '../../shared/origin-headers.ts';
import type { Signer } from '../../shared/signer.ts';
import { streamFromHttp, streamKey } from '../../shared/stream-identity.ts';
import type { StreamVariable } from '../errors.ts';
import { BACKEND_PARAM, rewritePlaylist, withoutParam } from './rewrite.ts';
import { readSegmentMarker, segmentMarker } from './segment-marker.ts';

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
const MAX_REDIRECTS = 3;
const FETCH_TIMEOUT_MS = 10_000;

/**
 * Fetches from the backend, following redirects only while they stay on that backend. `url` is
 * the backend's own (private) URL: relative URIs and redirects resolve against it whichever way
 * the request travels.
 */
async function fetchFromBackend(
  request: HlsOriginRequest,
  backend: HlsBackend,
  url: URL,
  headers: Headers,
): Promise<{ res: Response; url: URL }> {
  let current = url;
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await request(backend, `${current.pathname}${current.search}`, {
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
    } catch (err) {
      if (err instanceof SwitchyardError) throw err;
      throw new UpstreamError(`backend unreachable: ${errorMessage(err)}`);
    }
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) return { res, url: current };
    await res.body?.cancel();
    if (hop >= MAX_REDIRECTS) throw new UpstreamError('backend redirected too many times');
    const next = new URL(location, current);
    if (next.origin !== url.origin) throw new UpstreamError('backend redirected to another host');
    current = next;
  }
}

/** True for what the HLS routes serve: playlists, and anything carrying the backend marker. */
function isHlsRequest(url: URL): boolean {
  return url.searchParams.has(BACKEND_PARAM) || url.pathname.toLowerCase().endsWith('.m3u8');
}

export interface HlsRouteOptions {
  /** Signs and checks segment markers; all instances serving one deployment share its key. */
  signer: Signer;
  /** How origins are reached; their private address through global fetch by default. */
  request?: HlsOriginRequest;
}

export function createHlsRoutes(resolver: HlsResolver, options: HlsRouteOptions): Hono<{ Variables: StreamVariable }> {
  const request: HlsOriginRequest =
    options.request ?? ((backend, path, init) => fetch(originUrl(backend.address, path), init));
  const { signer } = options;
  const app = new Hono<{ Variables: StreamVariable }>();
  const hlsCors = cors({ origin: '*', exposeHeaders: ['*'] });
  app.use('*', (c, next) => (isHlsRequest(new URL(c.req.url)) ? hlsCors(c, next) : next()));
  app.on(['GET', 'HEAD'], '*', async (c, next) => {
    const url = new URL(c.req.url);
    if (!isHlsRequest(url)) return next();
    const marker = url.searchParams.get(BACKEND_PARAM);
    const isPlaylist = url.pathname.toLowerCase().endsWith('.m3u8');
    let backend: HlsBackend | null;
    if (marker !== null) {
      const backendId = readSegmentMarker(signer, marker, url.pathname);
      if (!backendId) throw new NotFoundError('segment URL not issued by this proxy; reload the playlist');
      backend = await resolver.lookup(backendId);
      if (!backend) throw new NotFoundError('unknown or expired HLS backend; reload the playlist');
    } else {
      const identity = streamFromHttp(c.req.header('host'), `${url.pathname}${url.search}`);
      c.set('stream', streamKey(identity));
      backend = await resolver.route(identity);
    }
    c.set('backend', backend.id);
    const query = withoutParam(url.search.slice(1), BACKEND_PARAM);
    const target = new URL(originUrl(backend.address, `${url.pathname}${query ? `?${query}` : ''}`));
    const headers = new Headers();
    // A playlist is always fetched whole (players such as ffmpeg send Range: bytes=0-), since
    // it is rewritten; segments keep Range and conditional headers.
    const forwarded = isPlaylist ? ['user-agent'] : ['user-agent', 'range', 'if-none-match', 'if-modified-since'];
    for (const name of forwarded) {
      const value = c.req.header(name);
      if (value) headers.set(name, value);
    }
    const { res, url: finalUrl } = await fetchFromBackend(request, backend, target, headers);
    if (res.status >= 400) {
      await res.body?.cancel();
      throw new UpstreamError(`backend answered ${res.status}`, { status: res.status });
    }
    if (isPlaylist) {
      const text = await res.text();
      let body: string;
      try {
        const backendId = backend.id;
        body = rewritePlaylist(text, finalUrl, (path) => segmentMarker(signer, backendId, path));
      } catch (err) {
        throw new UpstreamError(`backend sent an invalid playlist: ${errorMessage(err)}`);
      }
      return new Response(c.req.method === 'HEAD' ? null : body, {
        headers: { 'content-type': PLAYLIST_TYPE, 'cache-control': 'no-cache' },
      });
    }
    const out = passedHeaders(res);
    return new Response(c.req.method === 'HEAD' ? null : res.body, { status: res.status as StatusCode, headers: out });
  });
  return app;
}
