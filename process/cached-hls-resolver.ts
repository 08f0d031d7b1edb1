// An HLS resolver that asks the control plane over the network (a cluster worker asking its
// primary) and keeps each answer for a short while: a playlist reload or a segment then costs no
// control round trip. Concurrent identical questions share one call; failures are not kept.
// An answer can be up to `ttlMs` old: a stream re-bound to another origin (its origin died) is
// seen that much later, the same order as a player's own playlist reload interval.

import { BoundedCache } from '../shared/bounded-cache.ts';
import type { HlsBackend, HlsResolver } from '../shared/hls-resolver.ts';
import { streamKey } from '../shared/stream-identity.ts';
import { SingleFlight } from './single-flight.ts';

/** Entries beyond this are dropped oldest first: hostile stream names cannot grow the cache. */
const MAX_ENTRIES = 10_000;

export function cachedHlsResolver(inner: HlsResolver, ttlMs: number, now: () => number = Date.now): HlsResolver {
  const routes = new BoundedCache<HlsBackend>(MAX_ENTRIES, ttlMs, now);
  const lookups = new BoundedCache<HlsBackend | null>(MAX_ENTRIES, ttlMs, now);
  const routing = new SingleFlight<HlsBackend>();
  const looking = new SingleFlight<HlsBackend | null>();
  return {
    async route(identity) {
      const key = streamKey(identity);
      const cached = routes.get(key);
      if (cached) return cached;
      return routing.run(key, async () => {
        const backend = await inner.route(identity);
        routes.set(key, backend);
        return backend;
      });
    },
    async lookup(id) {
      const cached = lookups.get(id);
      if (cached !== undefined) return cached;
      return looking.run(id, async () => {
        const backend = await inner.lookup(id);
        lookups.set(id, backend);
        return backend;
      });
    },
  };
}
