// Picks the store implementation the settings ask for, with every call bounded in time.

import type { Config } from '../../shared/config.ts';
import { MemoryStore } from './memory-store.ts';
import { type BackendStore, DEFAULT_RTC_SESSION_TTL_MS } from './store.ts';
import { timedStore } from './timed-store.ts';
import { UpstashStore } from './upstash-store.ts';

export function createStore(
  config: Pick<
    Config,
    'loadBalancer' | 'upstash' | 'keyPrefix' | 'backendTtlMs' | 'backendSuspectMs' | 'streamTtlMs' | 'storeTimeoutMs'
  >,
): BackendStore {
  const options = {
    aliveMs: config.backendTtlMs,
    suspectMs: config.backendSuspectMs,
    streamTtlMs: config.streamTtlMs,
    rtcSessionTtlMs: DEFAULT_RTC_SESSION_TTL_MS,
  };
  if (config.loadBalancer === 'redis' && config.upstash) {
    const store = new UpstashStore({
      ...options,
      ...config.upstash,
      keyPrefix: config.keyPrefix,
      requestTimeoutMs: config.storeTimeoutMs,
    });
    return timedStore(store, config.storeTimeoutMs);
  }
  return new MemoryStore(options);
}
