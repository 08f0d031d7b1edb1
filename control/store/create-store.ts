// Picks the store implementation the settings ask for.

import type { Config } from '../../shared/config.ts';
import { MemoryStore } from './memory-store.ts';
import { type BackendStore, DEFAULT_RTC_SESSION_TTL_MS } from './store.ts';
import { UpstashStore } from './upstash-store.ts';

export function createStore(
  config: Pick<Config, 'loadBalancer' | 'upstash' | 'keyPrefix' | 'backendTtlMs' | 'streamTtlMs'>,
): BackendStore {
  const options = {
    aliveMs: config.backendTtlMs,
    streamTtlMs: config.streamTtlMs,
    rtcSessionTtlMs: DEFAULT_RTC_SESSION_TTL_MS,
  };
  if (config.loadBalancer === 'redis' && config.upstash) {
    return new UpstashStore({ ...options, ...config.upstash, keyPrefix: config.keyPrefix });
  }
  return new MemoryStore(options);
}
