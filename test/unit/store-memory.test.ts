import { MemoryStore } from '../../control/store/memory-store.ts';
import { ALIVE_MS, STREAM_TTL_MS, storeConformance } from '../helpers/store-conformance.ts';

storeConformance(
  'memory',
  async (options) =>
    new MemoryStore({ aliveMs: ALIVE_MS, streamTtlMs: STREAM_TTL_MS, rtcSessionTtlMs: 120_000, ...options }),
);
