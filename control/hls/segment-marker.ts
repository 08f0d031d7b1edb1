// The `sy_b` marker on every rewritten playlist URI: the backend id plus a signature over that id
// and the exact URI path, so a marker only ever reaches the artefact the origin's own playlist
// named (a segment, key, init section or sub-playlist) and never another path on the origin, such
// as its API. Stateless: any instance with the same key checks it.
//
// A live playlist names the same few paths on every reload, and each segment is then fetched by
// every player: signatures are kept in a small bounded cache per signer, so an HMAC is computed
// about once per path rather than once per playlist line and per segment request.

import { BoundedCache } from '../../shared/bounded-cache.ts';
import { type Signer, sameSignature } from '../../shared/signer.ts';

const SIGNED_PREFIX = 'hls\n';
/** Paths remembered per signer; a live window of a few hundred streams fits, memory stays bounded. */
const CACHED_SIGNATURES = 4096;

const caches = new WeakMap<Signer, BoundedCache<string>>();

function cacheOf(signer: Signer): BoundedCache<string> {
  let cache = caches.get(signer);
  if (!cache) {
    // Oldest first out: live paths come and go in order, so this behaves like an LRU here.
    cache = new BoundedCache(CACHED_SIGNATURES);
    caches.set(signer, cache);
  }
  return cache;
}

export function segmentMarker(signer: Signer, backendId: string, path: string): string {
  const cache = cacheOf(signer);
  const text = `${SIGNED_PREFIX}${backendId}\n${path}`;
  let value = cache.get(text);
  if (value === undefined) {
    value = signer.sign(text);
    cache.set(text, value);
  }
  return `${backendId}.${value}`;
}

/** The backend id a marker names for `path`, or null when it was not signed for that path. */
export function readSegmentMarker(signer: Signer, marker: string, path: string): string | null {
  const dot = marker.lastIndexOf('.');
  if (dot < 1) return null;
  const backendId = marker.slice(0, dot);
  const cache = cacheOf(signer);
  const text = `${SIGNED_PREFIX}${backendId}\n${path}`;
  const cached = cache.get(text);
  const expected = cached ?? signer.sign(text);
  if (!sameSignature(expected, marker.slice(dot + 1))) return null;
  // Only markers that check out are remembered: forged ones cannot push real paths out.
  if (cached === undefined) cache.set(text, expected);
  return backendId;
}
