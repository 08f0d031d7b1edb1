// The `sy_b` marker on every rewritten playlist URI: the backend id plus a signature over that id
// and the exact URI path, so a marker only ever reaches the artefact the origin's own playlist
// named (a segment, key, init section or sub-playlist) and never another path on the origin, such
// as its API. Stateless: any instance with the same key checks it.

import type { Signer } from '../../shared/signer.ts';

const SIGNED_PREFIX = 'hls\n';

export function segmentMarker(signer: Signer, backendId: string, path: string): string {
  return `${backendId}.${signer.sign(`${SIGNED_PREFIX}${backendId}\n${path}`)}`;
}

/** The backend id a marker names for `path`, or null when it was not signed for that path. */
export function readSegmentMarker(signer: Signer, marker: string, path: string): string | null {
  const dot = marker.lastIndexOf('.');
  if (dot < 1) return null;
  const backendId = marker.slice(0, dot);
  return signer.verify(`${SIGNED_PREFIX}${backendId}\n${path}`, marker.slice(dot + 1)) ? backendId : null;
}
