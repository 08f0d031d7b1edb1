// HLS through the proxy: playlists are fetched from the stream's backend and rewritten; segment,
// key, init and sub-playlist requests carry `sy_b` and go to that same backend, on any
// control-plane instance, with no per-session state. Mountable on the control app and on a
// data-plane node's HTTP server.

import { Hono } from 'hono';
import type { ContentfulStatusCode, StatusCode } from 'hono/utils/http-status';
import { BadRequestError, errorMessage, NotFoundError, SwitchyardError, UpstreamError } from '../../shared/errors.ts';
import type { HlsBackend, HlsResolver } from '../../shared/hls-resolver.ts';
import { streamFromHttp } from '../../shared/stream-identity.ts';
import { jsonErrorResponse } from '../errors.ts';
import { BACKEND_PARAM, rewritePlaylist, withoutParam } from './rewrite.ts';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
const MAX_REDIRECTS = 3;
const FETCH_TIMEOUT_MS = 10_000;
const PASSED_HEADERS = [
  'content-type',
  'content-length',
  'cache-control',
  'last-modified',
  'etag',
  'content-range',
  'accept-ranges',
];
const CORS = { 'access-control-allow-origin': '*', 'access-control-expose-headers': '*' };

const jsonError = (status: number, error: string, message: string) => jsonErrorResponse(status, error, message, CORS);

/** Fetches from the backend, following redirects only while they stay on that backend. */
async function fetchFromBackend(
  fetchImpl: FetchLike,
  url: URL,
  headers: Headers,
): Promise<{ res: Response; url: URL }> {
  let current = url;
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await fetchImpl(current.href, {
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
    } catch (err) {
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

export function createHlsRoutes(resolver: HlsResolver, fetchImpl: FetchLike = (i, init) => fetch(i, init)): Hono {
  const app = new Hono();
  app.on(['GET', 'HEAD'], '*', async (c, next) => {
    const url = new URL(c.req.url);
    const backendId = url.searchParams.get(BACKEND_PARAM);
    const isPlaylist = url.pathname.toLowerCase().endsWith('.m3u8');
    if (!backendId && !isPlaylist) return next();
    try {
      let backend: HlsBackend | null;
      if (backendId) {
        backend = await resolver.lookup(backendId);
        if (!backend) throw new NotFoundError('unknown or expired HLS backend; reload the playlist');
      } else {
        backend = await resolver.route(streamFromHttp(c.req.header('host'), `${url.pathname}${url.search}`));
      }
      const query = withoutParam(url.search.slice(1), BACKEND_PARAM);
      const origin = `http://${backend.address.host.includes(':') ? `[${backend.address.host}]` : backend.address.host}:${backend.address.port}`;
      const target = new URL(`${origin}${url.pathname}${query ? `?${query}` : ''}`);
      const headers = new Headers();
      // A playlist is always fetched whole (players such as ffmpeg send Range: bytes=0-), since
      // it is rewritten; segments keep Range and conditional headers.
      const forwarded = isPlaylist ? ['user-agent'] : ['user-agent', 'range', 'if-none-match', 'if-modified-since'];
      for (const name of forwarded) {
        const value = c.req.header(name);
        if (value) headers.set(name, value);
      }
      const { res, url: finalUrl } = await fetchFromBackend(fetchImpl, target, headers);
      if (res.status >= 400) {
        await res.body?.cancel();
        return jsonError(res.status, 'upstream', `backend answered ${res.status}`);
      }
      if (isPlaylist) {
        const text = await res.text();
        let body: string;
        try {
          body = rewritePlaylist(text, finalUrl, backend.id);
        } catch (err) {
          throw new UpstreamError(`backend sent an invalid playlist: ${errorMessage(err)}`);
        }
        return new Response(c.req.method === 'HEAD' ? null : body, {
          status: 200,
          headers: { 'content-type': PLAYLIST_TYPE, 'cache-control': 'no-cache', ...CORS },
        });
      }
      const out = new Headers(CORS);
      for (const name of PASSED_HEADERS) {
        const value = res.headers.get(name);
        if (value) out.set(name, value);
      }
      return new Response(c.req.method === 'HEAD' ? null : res.body, {
        status: res.status as StatusCode,
        headers: out,
      });
    } catch (err) {
      if (err instanceof SwitchyardError) {
        const status = err instanceof BadRequestError ? 400 : err.status;
        return jsonError(status as ContentfulStatusCode, err.code, err.message);
      }
      throw err;
    }
  });
  return app;
}
