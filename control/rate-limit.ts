// Per-source rate limits on the routes a flood could abuse (registration, routing, WHIP/WHEP
// offers): a token bucket per client address, in this process's memory. On Workers each isolate
// keeps its own buckets, so the limit there is a per-isolate bound; Cloudflare's own rate
// limiting rules are the cluster-wide tool (docs/security.md).

import type { MiddlewareHandler } from 'hono';
import { RateLimitedError } from '../shared/errors.ts';
import { clientAddress } from './client-address.ts';
import type { ControlEnv } from './context.ts';

export interface RateLimit {
  /** Sustained requests per second per source. */
  perSecond: number;
  /** Requests a source may send at once after being idle. */
  burst: number;
}

/** Sources tracked at most; past that the least recently seen is forgotten (a fresh bucket is full anyway). */
const MAX_SOURCES = 10_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limit: RateLimit) {}

  /** Takes one token for `source`; returns 0 when allowed, else the seconds until one is available. */
  take(source: string, now: number): number {
    const bucket = this.buckets.get(source);
    const tokens = bucket
      ? Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond)
      : this.limit.burst;
    this.buckets.delete(source);
    if (tokens < 1) {
      this.buckets.set(source, { tokens, at: now });
      return Math.ceil((1 - tokens) / this.limit.perSecond);
    }
    this.buckets.set(source, { tokens: tokens - 1, at: now });
    if (this.buckets.size > MAX_SOURCES) this.buckets.delete(this.buckets.keys().next().value as string);
    return 0;
  }
}

/** Limits requests per client address; requests with no address (in-process calls) pass. */
export function rateLimit(name: string, limit: RateLimit): MiddlewareHandler<ControlEnv> {
  const buckets = new TokenBuckets(limit);
  return async (c, next) => {
    const deps = c.get('deps');
    const source = clientAddress(c, deps.clientAddressHeader);
    if (source) {
      const wait = buckets.take(source, deps.now());
      if (wait > 0) throw new RateLimitedError(`too many ${name} requests from this address`, wait);
    }
    await next();
  };
}

/** SRS heartbeats every few seconds per origin; a burst covers restarts and several origins behind one NAT. */
export const REGISTER_LIMIT: RateLimit = { perSecond: 20, burst: 100 };
/** Nodes route every new session; generous, but a flood cannot churn the binding table. */
export const ROUTE_LIMIT: RateLimit = { perSecond: 500, burst: 1000 };
/** Each offer costs an origin a WebRTC session. */
export const OFFER_LIMIT: RateLimit = { perSecond: 10, burst: 30 };
