// Rewrites a backend's playlist so every URI comes back through the proxy and carries a marker
// naming the backend that made it (`sy_b`, see segment-marker.ts). The id, not an address,
// travels: a client can only ever make the proxy fetch from a registered backend. Pure.

import { mapPlaylistUris, parsePlaylist, serializePlaylist } from './m3u8.ts';

/** Query parameter naming the backend that serves a segment or sub-playlist. */
export const BACKEND_PARAM = 'sy_b';

/** Removes one parameter from a query string (no leading '?'), keeping every other byte. */
export function withoutParam(query: string, name: string): string {
  if (!query) return '';
  return query
    .split('&')
    .filter((pair) => pair !== '' && pair.split('=')[0] !== name)
    .join('&');
}

/**
 * The proxy URI for one playlist URI. Relative, root-relative and absolute URIs that point at the
 * backend become root-relative proxy URIs with `sy_b` appended to their query; URIs on other
 * hosts (a CDN, a key server) stay as they are.
 */
/** The `sy_b` value for a URI path: a fixed string, or one computed per path (signed markers). */
export type Marker = string | ((path: string) => string);

export function rewriteUri(uri: string, base: URL, marker: Marker): string {
  let resolved: URL;
  try {
    resolved = new URL(uri, base);
  } catch {
    return uri;
  }
  if (resolved.origin !== base.origin) return uri;
  const query = withoutParam(resolved.search.slice(1), BACKEND_PARAM);
  const value = typeof marker === 'string' ? marker : marker(resolved.pathname);
  const tag = `${BACKEND_PARAM}=${encodeURIComponent(value)}`;
  return `${resolved.pathname}?${query ? `${query}&` : ''}${tag}${resolved.hash}`;
}

/** Parses, rewrites and serializes a playlist fetched from `base` (the backend URL it came from). */
export function rewritePlaylist(text: string, base: URL, marker: Marker): string {
  return serializePlaylist(mapPlaylistUris(parsePlaylist(text), (uri) => rewriteUri(uri, base, marker)));
}
