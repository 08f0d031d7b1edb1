// A full binding table refuses new streams and never evicts a bound one: publisher and players of
// a live stream must keep landing on the same origin whatever a flood of new names does.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MemoryStore } from '../../control/store/memory-store.ts';
import { backend } from '../helpers/store-conformance.ts';

it('refuses a new stream when the binding table is full, keeping every binding', async () => {
  const T0 = 1_800_000_000_000;
  const store = new MemoryStore({ aliveMs: 300_000, streamTtlMs: 60_000, rtcSessionTtlMs: 120_000, maxStreams: 3 });
  await store.upsertBackend(backend('o1', T0));
  await store.upsertBackend(backend('o2', T0));
  const bound = new Map<string, string>();
  for (const [i, name] of ['a', 'b', 'c'].entries()) {
    bound.set(name, (await store.pickBackend(name, 'rtmp', T0 + i, i / 3))?.backend.id ?? '');
  }
  await assert.rejects(store.pickBackend('flood-1', 'rtmp', T0 + 10, 0.5), { code: 'unavailable' });
  for (const [name, id] of bound) assert.equal((await store.pickBackend(name, 'rtmp', T0 + 20, 0.99))?.backend.id, id);
  // Once a binding expires unused, its room goes to a new stream.
  assert.ok(await store.pickBackend('late', 'rtmp', T0 + 60_021 + 60_000, 0));
});
