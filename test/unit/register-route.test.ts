import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { postJson, testControl } from '../helpers/control-app.ts';

const heartbeat = readFileSync(new URL('../fixtures/srs/srs-heartbeat.json', import.meta.url), 'utf8');
const manual = {
  device_id: 'origin2',
  ip: '10.78.122.184',
  server: 'vid-46p14mm',
  service: 'z2s3w865',
  pid: '42583',
  rtmp: ['19352'],
  http: ['8082'],
  api: ['19853'],
  srt: ['10082'],
  rtc: ['udp://0.0.0.0:8001'],
};

describe('POST /api/v1/srs/register', () => {
  it('accepts the heartbeat a real SRS 7 sends', async () => {
    const { app, store } = testControl();
    const res = await app.request('/api/v1/srs/register', postJson(heartbeat));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { code: 0, pid: '4242' });
    const [b] = await store.listBackends();
    assert.equal(b?.id, 'vid-4168is2');
    assert.equal(b?.ip, '192.0.2.2');
    assert.equal(b?.deviceId, 'origin1');
    assert.deepEqual(b?.endpoints.rtmp, [{ port: 19351 }]);
    assert.deepEqual(b?.endpoints.srt, [{ proto: 'udp', port: 10081 }]);
  });

  it('accepts the manual form, tcp://ip:port endpoints, numeric pid and extra fields', async () => {
    const { app, store } = testControl();
    const res = await app.request(
      '/api/v1/srs/register',
      postJson({ ...manual, pid: 42583, rtmp: ['tcp://10.0.0.9:1935'], summaries: { ok: true } }),
    );
    assert.equal(res.status, 200);
    const [b] = await store.listBackends();
    assert.equal(b?.pid, '42583');
    assert.deepEqual(b?.endpoints.rtmp, [{ proto: 'tcp', host: '10.0.0.9', port: 1935 }]);
  });

  const malformed: Array<[string, string | object]> = [
    ['not JSON', '{"ip": '],
    ['an array', '[1,2]'],
    ['empty body', ''],
    ['missing ip', { ...manual, ip: undefined }],
    ['missing server', { ...manual, server: undefined }],
    ['missing service', { ...manual, service: undefined }],
    ['missing pid', { ...manual, pid: undefined }],
    ['missing rtmp', { ...manual, rtmp: undefined }],
    ['empty rtmp list', { ...manual, rtmp: [] }],
    ['port out of range', { ...manual, rtmp: ['70000'] }],
    ['endpoint with a path', { ...manual, http: ['tcp://1.2.3.4:80/x'] }],
    ['unknown scheme', { ...manual, rtc: ['sctp://:8000'] }],
    ['ip as a URL', { ...manual, ip: 'http://evil/' }],
    ['numeric server id', { ...manual, server: 12 }],
    ['object as endpoint', { ...manual, api: [{ port: 1 }] }],
    ['too many endpoints', { ...manual, http: Array.from({ length: 17 }, (_, i) => String(8000 + i)) }],
    ['device_id not a string', { ...manual, device_id: 7 }],
    ['invalid UTF-8', '\xff'],
  ];
  for (const [label, body] of malformed) {
    it(`rejects ${label} with a 4xx naming the problem and stores nothing`, async () => {
      const { app, store } = testControl();
      const init = postJson(body);
      if (label === 'invalid UTF-8') init.body = new Uint8Array([0x7b, 0xff, 0x7d]);
      const res = await app.request('/api/v1/srs/register', init);
      assert.equal(res.status, 400, label);
      const json = (await res.json()) as { code: number; error: string; message: string };
      assert.equal(json.error, 'bad_request');
      assert.ok(json.message.length > 5);
      assert.deepEqual(await store.listBackends(), []);
    });
  }

  it('rejects an oversized body with 413', async () => {
    const { app, store } = testControl();
    const res = await app.request('/api/v1/srs/register', postJson({ ...manual, pad: 'x'.repeat(70_000) }));
    assert.equal(res.status, 413);
    assert.deepEqual(await store.listBackends(), []);
  });

  it('requires the secret in the path when one is configured', async () => {
    const { app, store } = testControl({ registerSecret: 's3cret-value' });
    assert.equal((await app.request('/api/v1/srs/register', postJson(manual))).status, 404);
    assert.equal((await app.request('/api/v1/srs/register/wrong-secret', postJson(manual))).status, 404);
    assert.equal((await app.request('/api/v1/srs/register?secret=s3cret-value', postJson(manual))).status, 404);
    assert.deepEqual(await store.listBackends(), []);
    assert.equal((await app.request('/api/v1/srs/register/s3cret-value', postJson(manual))).status, 200);
    assert.equal((await store.listBackends()).length, 1);
  });
});

describe('versions and operator view', () => {
  it('answers /api/v1/versions in SRS shape for GET and POST', async () => {
    const { app } = testControl();
    for (const method of ['GET', 'POST']) {
      const res = await app.request('/api/v1/versions', { method });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { code: number; server: string; data: { major: number; version: string } };
      assert.equal(body.code, 0);
      assert.equal(body.server, 'vid-test');
      assert.match(body.data.version, /^\d+\.\d+\.\d+$/);
    }
  });

  it('lists servers with liveness', async () => {
    const { app, clock } = testControl();
    await app.request('/api/v1/srs/register', postJson(heartbeat));
    clock.now += 301_000;
    const res = await app.request('/api/v1/servers');
    const body = (await res.json()) as {
      data: { servers: Array<{ id: string; alive: boolean; lastHeartbeatAgoMs: number }> };
    };
    assert.equal(body.data.servers[0]?.alive, false);
    assert.equal(body.data.servers[0]?.lastHeartbeatAgoMs, 301_000);
  });

  it('answers unknown paths with JSON 404', async () => {
    const { app } = testControl();
    const res = await app.request('/nope');
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: string }).error, 'not_found');
  });
});
