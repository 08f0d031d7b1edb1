// An HLS resolver that asks the control plane over the network (a cluster worker asking its
// primary) and keeps each answer for a short while: a playlist reload or a segment then costs no
// control round trip. Concurrent identical questions share one call; failures are not kept.
// An answer can be up to `ttlMs` old: a stream re-bound to another origin (its origin died) is
// seen that much later, the same order as a player's own playlist reload interval.

import type { HlsBackend, HlsResolver } from '../shared/hls-resolver.ts';
import { streamKey } from '../shared/stream-identity.ts';
import { SingleFlight } from './single-flight.ts';

/** Entries beyond this are dropped oldest first: hostile stream names cannot grow the cache. */
const MAX_ENTRIES = 10_000;

class ExpiringCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();

  constructor(private readonly ttlMs: number) {}

  get(key: string, now: number): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > now) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: T, now: number): void {
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, until: now + this.ttlMs });
  }
}

export function cachedHlsResolver(inner: HlsResolver, ttlMs: number, now: () => number = Date.now): HlsResolver {
  const routes = new ExpiringCache<HlsBackend>(ttlMs);
  const lookups = new ExpiringCache<HlsBackend | null>(ttlMs);
  const routing = new SingleFlight<HlsBackend>();
  const looking = new SingleFlight<HlsBackend | null>();
  return {
    async route(identity) {
      const key = streamKey(identity);
      const cached = routes.get(key, now());
      if (cached) return cached;
      return routing.run(key, async () => {
        const backend = await inner.route(identity);
        routes.set(key, backend, now());
        return backend;
      });
    },
    async lookup(id) {
      const cached = lookups.get(id, now());
      if (cached !== undefined) return cached;
      return looking.run(id, async () => {
        const backend = await inner.lookup(id);
        lookups.set(id, backend, now());
        return backend;
      });
    },
  };
}
