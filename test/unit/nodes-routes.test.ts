// What data-plane nodes call on the control plane besides routing: announcing themselves and
// looking up WebRTC sessions by ICE username. Driven through the control app with app.request.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { postJson, testControl } from '../helpers/control-app.ts';

interface NodeView {
  id: string;
  publicIp: string;
  rtcPort?: number;
  srtPort?: number;
  updatedAt: number;
  alive: boolean;
}

async function listNodes(app: ReturnType<typeof testControl>['app'], headers: Record<string, string> = {}) {
  const res = await app.request('/api/v1/nodes', { headers });
  assert.equal(res.status, 200);
  return ((await res.json()) as { data: { nodes: NodeView[] } }).data.nodes.sort((a, b) => a.id.localeCompare(b.id));
}

const SESSION = {
  username: '0p227118:c9u7',
  backendId: 'vid-4168is2',
  media: { host: '192.0.2.2', port: 8001 },
  stream: '__defaultVhost__/live/livestream',
  kind: 'play' as const,
};

describe('POST /api/v1/nodes and GET /api/v1/nodes', () => {
  it('lists announced nodes, replacing by id, alive while they keep announcing', async () => {
    const { app, clock } = testControl();
    const t0 = clock.now;
    for (const body of [
      { id: 'node-a', publicIp: '203.0.113.1', rtcPort: 18000, srtPort: 20080 },
      { id: 'node-b', publicIp: '2001:db8::2' },
    ]) {
      const res = await app.request('/api/v1/nodes', postJson(body));
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { code: 0 });
    }
    clock.now += 200_000;
    await app.request('/api/v1/nodes', postJson({ id: 'node-a', publicIp: '203.0.113.9', rtcPort: 18001 }));
    assert.deepEqual(await listNodes(app), [
      { id: 'node-a', publicIp: '203.0.113.9', rtcPort: 18001, updatedAt: t0 + 200_000, alive: true },
      { id: 'node-b', publicIp: '2001:db8::2', updatedAt: t0, alive: true },
    ]);
    // 300 s without an announcement: listed, but no longer alive.
    clock.now = t0 + 300_001;
    assert.deepEqual(
      (await listNodes(app)).map((n) => [n.id, n.alive]),
      [
        ['node-a', true],
        ['node-b', false],
      ],
    );
  });

  it('rejects announcements with a bad id, address or port with 400', async () => {
    const { app } = testControl();
    for (const body of [
      {},
      { publicIp: '203.0.113.1' },
      { id: '', publicIp: '203.0.113.1' },
      { id: 'a b', publicIp: '203.0.113.1' },
      { id: 'x'.repeat(129), publicIp: '203.0.113.1' },
      { id: 'n', publicIp: 'http://203.0.113.1/' },
      { id: 'n', publicIp: 42 },
      { id: 'n', publicIp: '203.0.113.1', rtcPort: 0 },
      { id: 'n', publicIp: '203.0.113.1', rtcPort: 65536 },
      { id: 'n', publicIp: '203.0.113.1', rtcPort: '18000' },
      { id: 'n', publicIp: '203.0.113.1', srtPort: 1.5 },
    ]) {
      const res = await app.request('/api/v1/nodes', postJson(body));
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(((await res.json()) as { error: string }).error, 'bad_request');
    }
    for (const body of ['not json', '']) assert.equal((await app.request('/api/v1/nodes', postJson(body))).status, 400);
    assert.equal((await app.request('/api/v1/nodes', postJson({ id: 'n', publicIp: 'x'.repeat(5000) }))).status, 413);
    assert.deepEqual(await listNodes(app), []);
  });

  it('requires the control token, when one is configured, to announce, list and look up', async () => {
    const { app } = testControl({ controlToken: 's3cret' });
    const node = { id: 'n1', publicIp: '203.0.113.1', rtcPort: 18000 };
    const refused: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong' }, { authorization: 's3cret' }];
    for (const headers of refused) {
      assert.equal((await app.request('/api/v1/nodes', postJson(node, headers))).status, 401);
      assert.equal((await app.request('/api/v1/nodes', { headers })).status, 401);
      assert.equal((await app.request('/api/v1/rtc/sessions/a:b', { headers })).status, 401);
    }
    const auth = { authorization: 'Bearer s3cret' };
    assert.equal((await app.request('/api/v1/nodes', postJson(node, auth))).status, 200);
    assert.deepEqual(
      (await listNodes(app, auth)).map((n) => n.id),
      ['n1'],
    );
    assert.equal((await app.request('/api/v1/rtc/sessions/a:b', { headers: auth })).status, 404);
  });
});

describe('GET /api/v1/rtc/sessions/:username', () => {
  it('answers 404 for an unknown username and 200 with the session for a known one', async () => {
    const { app, store, clock } = testControl();
    const unknown = await app.request('/api/v1/rtc/sessions/nobody:x');
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: string }).error, 'not_found');
    const session = { ...SESSION, createdAt: clock.now };
    await store.putRtcSession(session);
    const found = await app.request(`/api/v1/rtc/sessions/${encodeURIComponent(SESSION.username)}`);
    assert.equal(found.status, 200);
    assert.deepEqual(await found.json(), { code: 0, data: { session } });
  });

  it('keeps a looked-up session alive: each lookup renews its 120 s TTL', async () => {
    const { app, store, clock } = testControl();
    await store.putRtcSession({ ...SESSION, createdAt: clock.now });
    const lookup = async () => (await app.request(`/api/v1/rtc/sessions/${SESSION.username}`)).status;
    clock.now += 100_000;
    assert.equal(await lookup(), 200);
    clock.now += 100_000; // 200 s after storing, 100 s after the last lookup
    assert.equal(await lookup(), 200);
    clock.now += 120_001;
    assert.equal(await lookup(), 404);
  });
});

describe('a node announcing its admin URL (PROXY_NODE_ADMIN_URL)', () => {
  it('keeps an http(s) scheme://host[:port] and refuses anything else', async () => {
    const { app } = testControl();
    const ok = await app.request('/api/v1/nodes', postJson({ id: 'node-a', adminUrl: 'http://10.0.0.5:12025/' }));
    assert.equal(ok.status, 200);
    const listed = (await listNodes(app)) as Array<NodeView & { adminUrl?: string }>;
    assert.equal(listed[0]?.adminUrl, 'http://10.0.0.5:12025');
    for (const adminUrl of ['ftp://10.0.0.5', 'http://u:p@10.0.0.5', 'http://10.0.0.5/x', 'not a url', 7]) {
      const res = await app.request('/api/v1/nodes', postJson({ id: 'node-b', adminUrl }));
      assert.equal(res.status, 400, String(adminUrl));
    }
  });
});

describe('sessions across nodes on a Worker (originReach edge)', () => {
  it('dials no node: lists each live node sessions URL, and DELETE says to ask the node', async () => {
    const dialled: string[] = [];
    const { app } = testControl({
      originReach: 'edge',
      fetch: async (url) => {
        dialled.push(url);
        throw new Error('a Worker must not dial a node admin URL');
      },
    });
    await app.request('/api/v1/nodes', postJson({ id: 'node-a', adminUrl: 'http://10.0.0.5:12025' }));
    await app.request('/api/v1/nodes', postJson({ id: 'node-b', publicIp: '203.0.113.1' }));
    const res = await app.request('/api/v1/sessions');
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as { data: unknown }).data, {
      gathered: false,
      sessions: [],
      nodes: [{ node: 'node-a', ok: false, sessionsUrl: 'http://10.0.0.5:12025/api/v1/sessions' }],
    });
    assert.equal((await app.request('/api/v1/sessions/rtmp-ab12-7', { method: 'DELETE' })).status, 503);
    assert.deepEqual(dialled, []);
  });
});
