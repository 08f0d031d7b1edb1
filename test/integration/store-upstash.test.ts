// The Upstash store against a real redis-server behind an Upstash-compatible REST server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StoreOptions } from '../../control/store/store.ts';
import { UpstashStore } from '../../control/store/upstash-store.ts';
import { countRequests, startUpstash, type UpstashFixture } from '../helpers/redis.ts';
import { ALIVE_MS, backend, STREAM_TTL_MS, storeConformance } from '../helpers/store-conformance.ts';

let upstash: UpstashFixture;
const runId = `t${process.pid}-${Date.now().toString(36)}`;
let storeCount = 0;

function newStore(prefix = `${runId}-${storeCount++}`, options: Partial<StoreOptions> = {}): UpstashStore {
  return new UpstashStore({
    url: upstash.url,
    token: upstash.token,
    keyPrefix: prefix,
    aliveMs: ALIVE_MS,
    streamTtlMs: STREAM_TTL_MS,
    rtcSessionTtlMs: 120_000,
    ...options,
  });
}

before(async () => {
  upstash = await startUpstash();
});
after(async () => {
  await upstash?.close();
});

storeConformance('upstash', async (options) => newStore(undefined, options));

describe('upstash store across instances', () => {
  it('two instances racing registrations on one Redis lose no backend', async () => {
    const prefix = `${runId}-race`;
    const [one, two] = [newStore(prefix), newStore(prefix)];
    const now = Date.now();
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).upsertBackend(backend(`b${i}`, now))));
    const ids = (await one.listBackends()).map((b) => b.id).sort();
    assert.equal(ids.length, 40);
    assert.deepEqual(new Set(ids), new Set(Array.from({ length: 40 }, (_, i) => `b${i}`)));
  });

  it('two instances racing on a new stream bind it to one backend', async () => {
    const prefix = `${runId}-bind`;
    const [one, two] = [newStore(prefix), newStore(prefix)];
    const now = Date.now();
    await one.upsertBackend(backend('a', now));
    await one.upsertBackend(backend('b', now));
    const picks = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).pickBackend('v/live/race', 'rtmp', now, i / 20)),
    );
    assert.equal(new Set(picks.map((p) => p?.backend.id)).size, 1);
  });

  it('costs one round trip per register and per pick of a bound stream', async () => {
    const store = newStore();
    const now = Date.now();
    // Warm-up loads the scripts into Redis (EVALSHA misses once, then EVAL).
    await store.upsertBackend(backend('warm', now));
    await store.pickBackend('v/live/warm', 'rtmp', now, 0);
    const register = await countRequests(upstash.url, () => store.upsertBackend(backend('a', now)));
    assert.equal(register.requests, 1);
    const firstPick = await countRequests(upstash.url, () => store.pickBackend('v/live/s', 'rtmp', now, 0));
    assert.equal(firstPick.requests, 1);
    const boundPick = await countRequests(upstash.url, () => store.pickBackend('v/live/s', 'rtmp', now, 0.5));
    assert.equal(boundPick.requests, 1);
    assert.equal(boundPick.result?.backend.id, firstPick.result?.backend.id);
    const list = await countRequests(upstash.url, () => store.listBackends());
    assert.equal(list.requests, 1);
  });
});
