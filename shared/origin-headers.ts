// Which headers of an origin's answer travel on to the client (HLS through the control plane, and
// everything through a node's origin gateway): content and caching, never the origin's cookies,
// server banner or hop-by-hop headers.

export const ORIGIN_RESPONSE_HEADERS: readonly string[] = [
  'content-type',
  'content-length',
  'cache-control',
  'last-modified',
  'etag',
  'content-range',
  'accept-ranges',
];

/** The passed headers of an origin response. */
export function passedHeaders(res: Response, extra: readonly string[] = []): Headers {
  const out = new Headers();
  for (const name of [...ORIGIN_RESPONSE_HEADERS, ...extra]) {
    const value = res.headers.get(name);
    if (value) out.set(name, value);
  }
  return out;
}
