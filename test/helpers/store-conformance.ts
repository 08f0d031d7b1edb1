// One behaviour contract for every BackendStore implementation, run against each of them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routeStream } from '../../control/routing.ts';
import type { BackendStore, StoreOptions } from '../../control/store/store.ts';
import type { BackendRecord, RtcSession } from '../../shared/api-types.ts';
import { NoBackendError } from '../../shared/errors.ts';

export const ALIVE_MS = 300_000;
export const STREAM_TTL_MS = 3_600_000;
const T0 = 1_800_000_000_000;
/**
 * Expiry tests run on real time with short TTLs, so Redis expires keys on its own clock exactly
 * as in production. The margins around each expiry are half a TTL: wide enough for a loaded machine.
 */
const SHORT_TTL_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function backend(id: string, updatedAt: number, overrides: Partial<BackendRecord> = {}): BackendRecord {
  return {
    id,
    ip: '127.0.0.1',
    server: id,
    service: `svc-${id}`,
    pid: '100',
    endpoints: { rtmp: [{ port: 1935 }], http: [{ port: 8080 }], api: [], srt: [], rtc: [], rtsp: [] },
    updatedAt,
    ...overrides,
  };
}

function rtcSession(username: string, kind: RtcSession['kind'], createdAt: number): RtcSession {
  return { username, backendId: 'a', media: { host: '127.0.0.1', port: 8000 }, stream: 'v/live/s', kind, createdAt };
}

const route = (
  store: BackendStore,
  stream: string,
  now: number,
  random: number,
  proto: 'rtmp' | 'srt' | 'http' = 'rtmp',
) => routeStream(store, { vhost: '__defaultVhost__', app: 'live', stream, proto }, now, random);

/** `makeStore` returns a fresh, empty store (its own key prefix for Redis), with `options` over the defaults. */
export function storeConformance(
  name: string,
  makeStore: (options?: Partial<StoreOptions>) => Promise<BackendStore>,
): void {
  // Each test has its own store, so they run side by side while the expiry tests wait.
  describe(`${name} store conformance`, { concurrency: true }, () => {
    it('registers and lists backends, replacing an entry with the same server id', async () => {
      const store = await makeStore();
      await store.upsertBackend(backend('a', T0));
      await store.upsertBackend(backend('b', T0));
      await store.upsertBackend(backend('a', T0 + 10, { service: 'restarted', pid: '200' }));
      const list = (await store.listBackends()).sort((x, y) => x.id.localeCompare(y.id));
      assert.deepEqual(
        list.map((b) => [b.id, b.service, b.pid]),
        [
          ['a', 'restarted', '200'],
          ['b', 'svc-b', '100'],
        ],
      );
      assert.deepEqual(list[0]?.endpoints.rtmp, [{ port: 1935 }]);
      assert.equal((await store.getBackend('b'))?.service, 'svc-b');
      assert.equal(await store.getBackend('nope'), null);
      await store.close();
    });

    it('keeps a stream on its first backend while that backend lives', async () => {
      const store = await makeStore();
      await store.upsertBackend(backend('a', T0));
      await store.upsertBackend(backend('b', T0));
      const first = await route(store, 's1', T0 + 1, 0.99);
      for (const random of [0, 0.3, 0.6, 0.99]) {
        const again = await route(store, 's1', T0 + 1000, random);
        assert.equal(again.backend.id, first.backend.id);
      }
      // A stream's binding is protocol-independent: HTTP players land where RTMP published.
      assert.equal((await route(store, 's1', T0 + 2000, 0, 'http')).backend.id, first.backend.id);
      await store.close();
    });

    it('spreads new streams over live backends by the random draw', async () => {
      const store = await makeStore();
      await store.upsertBackend(backend('a', T0));
      await store.upsertBackend(backend('b', T0));
      const low = await route(store, 'x1', T0, 0);
      const high = await route(store, 'x2', T0, 0.999);
      assert.notEqual(low.backend.id, high.backend.id);
      await store.close();
    });

    it('treats a backend as dead 300 s after its last heartbeat and re-picks', async () => {
      const store = await makeStore();
      await store.upsertBackend(backend('a', T0));
      assert.equal((await route(store, 's', T0, 0)).backend.id, 'a');
      await store.upsertBackend(backend('b', T0 + 200_000));
      // 299 s after a's heartbeat the stream stays on a.
      assert.equal((await route(store, 's', T0 + 299_000, 0.99)).backend.id, 'a');
      // 301 s after: a is dead, the stream moves to b and stays there.
      assert.equal((await route(store, 's', T0 + 301_000, 0)).backend.id, 'b');
      await store.upsertBackend(backend('a', T0 + 302_000));
      assert.equal((await route(store, 's', T0 + 303_000, 0)).backend.id, 'b');
      await store.close();
    });

    it('answers no backend when none is alive, and when none has the protocol', async () => {
      const store = await makeStore();
      await assert.rejects(route(store, 's', T0, 0), NoBackendError);
      await store.upsertBackend(backend('a', T0));
      await assert.rejects(route(store, 'fresh', T0, 0, 'srt'), NoBackendError);
      await assert.rejects(route(store, 's', T0 + ALIVE_MS + 1, 0), NoBackendError);
      await store.close();
    });

    it('only picks backends that serve the protocol for a new stream', async () => {
      const store = await makeStore();
      await store.upsertBackend(backend('a', T0));
      await store.upsertBackend(
        backend('b', T0, {
          endpoints: {
            rtmp: [{ port: 1 }],
            http: [],
            api: [],
            srt: [{ proto: 'udp', port: 10080 }],
            rtc: [],
            rtsp: [],
          },
        }),
      );
      for (const random of [0, 0.5, 0.99]) {
        assert.equal((await route(store, `srt-${random}`, T0, random, 'srt')).backend.id, 'b');
      }
      await store.close();
    });

    it('drops the bindings of a restarted backend (new pid), and only those', async () => {
      const store = await makeStore();
      await store.upsertBackend(backend('a', T0));
      await store.upsertBackend(backend('b', T0));
      assert.equal((await route(store, 'on-a', T0, 0)).backend.id, 'a');
      assert.equal((await route(store, 'on-b', T0, 0)).backend.id, 'b');
      const busy = { cpu: 0.1, connections: 0, kbps: 0, sample: { at: 0, bytes: 0 }, score: 10 };
      // A heartbeat of the same process keeps the binding, however loaded.
      await store.upsertBackend(backend('a', T0 + 5, { load: busy }));
      assert.equal((await route(store, 'on-a', T0 + 6, 0)).backend.id, 'a');
      // New pid: the old process's streams are gone; the stream is placed afresh, on the cheaper b.
      await store.upsertBackend(backend('a', T0 + 10, { pid: '999', load: busy }));
      assert.equal((await route(store, 'on-a', T0 + 11, 0)).backend.id, 'b');
      assert.equal((await route(store, 'on-b', T0 + 11, 0)).backend.id, 'b');
      await store.close();
    });

    it('places new streams on the least loaded backend, counting the streams it bound', async () => {
      const store = await makeStore();
      const load = (score: number) => ({ cpu: 0, connections: score, kbps: 0, sample: { at: 0, bytes: 0 }, score });
      await store.upsertBackend(backend('a', T0, { load: load(4) }));
      await store.upsertBackend(backend('b', T0, { load: load(0) }));
      await store.upsertBackend(backend('c', T0, { load: load(1), weight: 2 }));
      const placed: string[] = [];
      for (let i = 0; i < 9; i++) placed.push((await route(store, `l${i}`, T0, 0.5)).backend.id);
      // Costs (score + bound) / weight, the cheapest each time, a tie to the draw (0.5: the second):
      // b 0 -> c 0.5 -> c 1 (ties b 1) -> b 1 -> c 1.5 -> c 2 (ties b 2) -> b 2 ... a (4) never.
      const count = (id: string) => placed.filter((p) => p === id).length;
      assert.deepEqual(placed, ['b', 'c', 'c', 'b', 'c', 'c', 'b', 'c', 'c']);
      assert.deepEqual([count('a'), count('b'), count('c')], [0, 3, 6]);
      // A bound stream stays put whatever the load says.
      assert.equal((await route(store, 'l0', T0, 0)).backend.id, placed[0]);
      await store.close();
    });

    it('avoids a reported backend at once, uses it only when nothing else lives, forgets it when dead', async () => {
      const store = await makeStore({ suspectMs: 5_000 });
      const T1 = T0 + 100_000;
      await store.upsertBackend(backend('a', T0));
      // b's heartbeat is older: it dies (by TTL) 200 s before a does.
      await store.upsertBackend(backend('b', T0 - 200_000));
      assert.equal((await route(store, 's', T0, 0)).backend.id, 'a');
      assert.equal(await store.reportBackend('a', false, T0 + 100), true);
      assert.equal(await store.reportBackend('nope', false, T0 + 100), false);
      assert.equal((await store.getBackend('a'))?.suspectAt, T0 + 100);
      // The stream moves off the suspect backend, new streams avoid it.
      assert.equal((await route(store, 's', T0 + 200, 0)).backend.id, 'b');
      assert.equal((await route(store, 'new', T0 + 200, 0)).backend.id, 'b');
      // A good probe clears the report; a later report starts a new window.
      await store.reportBackend('a', true, T0 + 300);
      assert.equal((await route(store, 'back', T0 + 400, 0)).backend.id, 'a');
      await store.reportBackend('a', false, T1);
      await store.reportBackend('a', false, T1 + 4_000); // a repeat does not stretch the window
      // b is dead by TTL: a suspect backend beats none, the bound one first, within the window only.
      assert.equal((await route(store, 's', T1 + 1, 0)).backend.id, 'a');
      assert.equal((await route(store, 'x', T1 + 4_999, 0)).backend.id, 'a');
      await assert.rejects(route(store, 'y', T1 + 5_001, 0), NoBackendError);
      // The next heartbeat makes a alive again.
      await store.upsertBackend(backend('a', T1 + 6_000));
      assert.equal((await store.getBackend('a'))?.suspectAt, undefined);
      assert.equal((await route(store, 'z', T1 + 6_001, 0.99)).backend.id, 'a');
      await store.close();
    });

    it('binds a stream where an origin says it is published, and unbinds it from that origin only', async () => {
      const store = await makeStore();
      await store.upsertBackend(backend('a', T0));
      await store.upsertBackend(backend('b', T0));
      assert.equal((await route(store, 's', T0, 0)).backend.id, 'a');
      const key = '__defaultVhost__/live/s';
      assert.equal(await store.bindStream(key, 'b', T0 + 1), true);
      assert.equal(await store.bindStream(key, 'nope', T0 + 1), false);
      assert.equal((await route(store, 's', T0 + 2, 0)).backend.id, 'b');
      assert.equal(await store.unbindStream(key, 'a'), false);
      assert.equal((await route(store, 's', T0 + 3, 0)).backend.id, 'b');
      assert.equal(await store.unbindStream(key, 'b'), true);
      // Unbound: placed afresh; b no longer counts it, so the tie goes to the draw.
      assert.equal((await route(store, 's', T0 + 4, 0)).backend.id, 'a');
      await store.close();
    });

    it('tells a new backend, a heartbeat, a restart and a return from the dead apart', async () => {
      const store = await makeStore();
      assert.equal(await store.upsertBackend(backend('a', T0)), 'new');
      assert.equal(await store.upsertBackend(backend('a', T0 + 10)), 'ok');
      assert.equal(await store.upsertBackend(backend('a', T0 + 20, { pid: '777' })), 'changed');
      assert.equal(await store.upsertBackend(backend('a', T0 + 20 + ALIVE_MS + 1, { pid: '777' })), 'new');
      await store.close();
    });

    it('reports each route decision: new binding, existing one, re-pick after the backend died', async () => {
      const store = await makeStore();
      await store.upsertBackend(backend('a', T0));
      await store.upsertBackend(backend('b', T0 + ALIVE_MS / 2));
      const first = await route(store, 's', T0, 0);
      assert.deepEqual([first.backend.id, first.decision], ['a', 'new']);
      assert.equal((await route(store, 's', T0 + 1, 0.99)).decision, 'existing');
      const after = await route(store, 's', T0 + ALIVE_MS + 1, 0);
      assert.deepEqual([after.backend.id, after.decision], ['b', 'repick']);
      await store.close();
    });

    it('binds no new stream to a draining backend; its existing bindings stay until undrained or gone', async () => {
      const store = await makeStore();
      await store.upsertBackend(backend('a', T0));
      await store.upsertBackend(backend('b', T0));
      assert.equal((await route(store, 'old', T0, 0)).backend.id, 'a');
      await store.setDraining('a', true);
      assert.deepEqual(await store.listDraining(), ['a']);
      for (const random of [0, 0.5, 0.99]) {
        assert.equal((await route(store, `new-${random}`, T0 + 1, random)).backend.id, 'b');
      }
      assert.equal((await route(store, 'old', T0 + 2, 0.99)).backend.id, 'a', 'an existing stream stays');
      await store.setDraining('b', true);
      await assert.rejects(route(store, 'none', T0 + 3, 0), NoBackendError);
      await store.setDraining('a', false);
      await store.setDraining('b', false);
      assert.deepEqual(await store.listDraining(), []);
      assert.equal((await route(store, 'back', T0 + 4, 0)).backend.id, 'a');
      await store.close();
    });

    it('places by load among backends neither draining nor suspect, and says how each stream was placed', async () => {
      const store = await makeStore({ suspectMs: 5_000 });
      const load = (score: number) => ({ cpu: 0, connections: score, kbps: 0, sample: { at: 0, bytes: 0 }, score });
      // a is the cheapest but draining, b is suspect, c is the dearest of the three: c gets the streams.
      await store.upsertBackend(backend('a', T0, { load: load(0) }));
      await store.upsertBackend(backend('b', T0, { load: load(1) }));
      await store.upsertBackend(backend('c', T0, { load: load(5) }));
      const onA = await route(store, 'on-a', T0, 0.5);
      assert.deepEqual([onA.backend.id, onA.decision], ['a', 'new']);
      await store.setDraining('a', true);
      await store.reportBackend('b', false, T0 + 10);
      for (const random of [0, 0.5, 0.99]) {
        const placed = await route(store, `n-${random}`, T0 + 20, random);
        assert.deepEqual([placed.backend.id, placed.decision], ['c', 'new']);
      }
      // The draining backend keeps its stream (existing); a stream bound to b moves (repick).
      assert.deepEqual(
        [(await route(store, 'on-a', T0 + 30, 0)).backend.id, (await route(store, 'on-a', T0 + 31, 0)).decision],
        ['a', 'existing'],
      );
      assert.equal(await store.bindStream('__defaultVhost__/live/was-b', 'b', T0 + 40), true);
      const moved = await route(store, 'was-b', T0 + 41, 0);
      assert.deepEqual([moved.backend.id, moved.decision], ['c', 'repick']);
      // c gone too: the suspect b is the only one left that may take new streams (never the draining a).
      await store.setDraining('c', true);
      const last = await route(store, 'last', T0 + 50, 0);
      assert.deepEqual([last.backend.id, last.decision], ['b', 'new']);
      // b's next heartbeat (same process) clears the report: a heartbeat, not a registration.
      assert.equal(await store.upsertBackend(backend('b', T0 + 60, { load: load(1) })), 'ok');
      assert.equal((await store.getBackend('b'))?.suspectAt, undefined);
      // Its restart (new pid) is a change, and drops what was bound to it.
      assert.equal(await store.upsertBackend(backend('b', T0 + 70, { pid: '2', load: load(1) })), 'changed');
      const bound = (await store.listBindings(100, T0 + 71)).map((x) => x.stream);
      assert.equal(bound.includes('__defaultVhost__/live/last'), false);
      assert.equal(bound.includes('__defaultVhost__/live/on-a'), true);
      await store.close();
    });

    it('lists live stream bindings with their backend', async () => {
      const store = await makeStore();
      const now = Date.now();
      await store.upsertBackend(backend('a', now));
      await route(store, 's1', now, 0);
      await route(store, 's2', now, 0);
      const bindings = (await store.listBindings(100, now)).sort((x, y) => x.stream.localeCompare(y.stream));
      assert.deepEqual(
        bindings.map((b) => [b.stream, b.backendId]),
        [
          ['__defaultVhost__/live/s1', 'a'],
          ['__defaultVhost__/live/s2', 'a'],
        ],
      );
      assert.ok(bindings.every((b) => b.ttlMs > 0 && b.ttlMs <= STREAM_TTL_MS));
      assert.equal((await store.listBindings(1, now)).length, 1);
      await store.close();
    });

    it('records the protocols seen on a binding, afresh when it moves to another backend', async () => {
      const store = await makeStore();
      const now = Date.now();
      await store.upsertBackend(backend('a', now));
      await route(store, 'p1', now, 0, 'rtmp');
      await route(store, 'p1', now + 1, 0, 'http');
      await route(store, 'p1', now + 2, 0, 'rtmp');
      const seen = async () => (await store.listBindings(100, now + 3)).find((b) => b.stream.endsWith('/p1'));
      assert.deepEqual((await seen())?.protocols, ['http', 'rtmp']);
      // The backend dies; the next request re-binds the stream elsewhere and starts the list again.
      const srtToo = { rtmp: [{ port: 1935 }], http: [], api: [], srt: [{ port: 10080 }], rtc: [], rtsp: [] };
      await store.upsertBackend(backend('b', now + ALIVE_MS + 10, { endpoints: srtToo }));
      await route(store, 'p1', now + ALIVE_MS + 20, 0, 'srt');
      const moved = (await store.listBindings(100, now + ALIVE_MS + 21)).find((b) => b.stream.endsWith('/p1'));
      assert.equal(moved?.backendId, 'b');
      assert.deepEqual(moved?.protocols, ['srt']);
      await store.close();
    });

    it('stores, refreshes and deletes WebRTC sessions by ICE username', async () => {
      const store = await makeStore();
      const session = rtcSession('ans1:off1', 'play', T0);
      await store.putRtcSession(session);
      assert.deepEqual(await store.touchRtcSession('ans1:off1', T0 + 1000), session);
      assert.equal(await store.touchRtcSession('other:x', T0 + 1000), null);
      await store.deleteRtcSession('ans1:off1');
      assert.equal(await store.touchRtcSession('ans1:off1', T0 + 2000), null);
      await store.close();
    });

    it('expires a WebRTC session a TTL after it was stored or last touched', async () => {
      const store = await makeStore({ rtcSessionTtlMs: SHORT_TTL_MS });
      const session = rtcSession('ans2:off2', 'publish', Date.now());
      await store.putRtcSession(session);
      await sleep(SHORT_TTL_MS / 2);
      assert.deepEqual(await store.touchRtcSession('ans2:off2', Date.now()), session);
      // Past the first TTL, within the one the touch started.
      await sleep(SHORT_TTL_MS * 0.7);
      assert.deepEqual(await store.touchRtcSession('ans2:off2', Date.now()), session);
      await sleep(SHORT_TTL_MS * 1.5);
      assert.equal(await store.touchRtcSession('ans2:off2', Date.now()), null);
      await store.close();
    });

    it('lists announced data-plane nodes, replacing by id', async () => {
      const store = await makeStore();
      await store.upsertNode({ id: 'n1', publicIp: '203.0.113.1', rtcPort: 18000, updatedAt: T0 });
      await store.upsertNode({ id: 'n2', publicIp: '203.0.113.2', rtcPort: 18000, updatedAt: T0 });
      await store.upsertNode({ id: 'n1', publicIp: '203.0.113.9', rtcPort: 18001, updatedAt: T0 + 5 });
      const nodes = (await store.listNodes()).sort((x, y) => x.id.localeCompare(y.id));
      assert.deepEqual(
        nodes.map((n) => [n.id, n.publicIp, n.rtcPort]),
        [
          ['n1', '203.0.113.9', 18001],
          ['n2', '203.0.113.2', 18000],
        ],
      );
      await store.close();
    });

    it('forgets a stream binding a TTL after its last use', async () => {
      const store = await makeStore({ streamTtlMs: SHORT_TTL_MS });
      await store.upsertBackend(backend('a', Date.now()));
      await store.upsertBackend(backend('b', Date.now()));
      assert.equal((await route(store, 's', Date.now(), 0)).backend.id, 'a');
      await sleep(SHORT_TTL_MS / 2);
      assert.equal((await route(store, 's', Date.now(), 0.99)).backend.id, 'a', 'bound within its TTL');
      // Past the first TTL, within the one the last use started: still bound.
      await sleep(SHORT_TTL_MS * 0.7);
      assert.equal((await route(store, 's', Date.now(), 0.99)).backend.id, 'a', 'each use renews the binding');
      await sleep(SHORT_TTL_MS * 1.5);
      assert.equal((await route(store, 's', Date.now(), 0.99)).backend.id, 'b', 'the binding expired');
      await store.close();
    });
  });
}
