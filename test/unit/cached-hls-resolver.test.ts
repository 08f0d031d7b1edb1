// The worker's HLS lookups (process/cached-hls-resolver.ts): an answer is reused for the TTL and
// no longer, concurrent questions share one call, failures are asked again, and a flood of
// distinct stream names cannot grow the cache past its bound.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cachedHlsResolver } from '../../process/cached-hls-resolver.ts';
import type { HlsBackend, HlsResolver } from '../../shared/hls-resolver.ts';

const identity = (stream: string) => ({ vhost: '__defaultVhost__', app: 'live', stream, query: '' });

/** A control plane that counts the questions it is asked; `fail` makes the next route fail. */
function countingControl(delayMs = 5) {
  const asked = { route: 0, lookup: 0 };
  let fail = false;
  let backendId = 'a';
  const resolver: HlsResolver = {
    async route(): Promise<HlsBackend> {
      asked.route++;
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      if (fail) {
        fail = false;
        throw new Error('control plane down');
      }
      return { id: backendId, address: { host: '127.0.0.1', port: 8080 } };
    },
    async lookup(id) {
      asked.lookup++;
      return id === 'a' ? { id, address: { host: '127.0.0.1', port: 8080 } } : null;
    },
  };
  return {
    asked,
    resolver,
    failNext: () => {
      fail = true;
    },
    rebind: (id: string) => {
      backendId = id;
    },
  };
}

describe('cached HLS resolver', () => {
  it('reuses an answer for its TTL, then asks again and sees a re-bound stream', async () => {
    let now = 1_000;
    const control = countingControl();
    const cached = cachedHlsResolver(control.resolver, 1_000, () => now);
    assert.equal((await cached.route(identity('s'))).id, 'a');
    assert.equal((await cached.route(identity('s'))).id, 'a');
    assert.equal(control.asked.route, 1);
    control.rebind('b');
    now += 999;
    assert.equal((await cached.route(identity('s'))).id, 'a');
    now += 1;
    assert.equal((await cached.route(identity('s'))).id, 'b');
    assert.equal(control.asked.route, 2);
  });

  it('shares one call among concurrent questions and does not keep failures', async () => {
    const control = countingControl();
    const cached = cachedHlsResolver(control.resolver, 1_000);
    const answers = await Promise.all(Array.from({ length: 10 }, () => cached.route(identity('t'))));
    assert.equal(control.asked.route, 1);
    assert.ok(answers.every((a) => a.id === 'a'));
    control.failNext();
    await assert.rejects(cached.route(identity('u')), /control plane down/);
    assert.equal((await cached.route(identity('u'))).id, 'a');
    assert.equal(control.asked.route, 3);
  });

  it('keeps lookups, unknown backends included, per id', async () => {
    const control = countingControl();
    const cached = cachedHlsResolver(control.resolver, 1_000);
    assert.equal((await cached.lookup('a'))?.id, 'a');
    assert.equal(await cached.lookup('gone'), null);
    assert.equal((await cached.lookup('a'))?.id, 'a');
    assert.equal(await cached.lookup('gone'), null);
    assert.equal(control.asked.lookup, 2);
  });

  it('drops the oldest entries beyond its bound', async () => {
    const control = countingControl(0);
    const cached = cachedHlsResolver(control.resolver, 60_000);
    for (let i = 0; i <= 10_000; i++) await cached.route(identity(`flood-${i}`));
    const before = control.asked.route;
    await cached.route(identity('flood-10000'));
    assert.equal(control.asked.route, before, 'the newest is still kept');
    await cached.route(identity('flood-0'));
    assert.equal(control.asked.route, before + 1, 'the oldest was dropped');
  });
});
