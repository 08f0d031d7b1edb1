import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { postJson, testControl } from '../helpers/control-app.ts';

const heartbeat = readFileSync(new URL('../fixtures/srs/srs-heartbeat.json', import.meta.url), 'utf8');
const origin2 = readFileSync(new URL('../fixtures/srs/srs-heartbeat-origin2.json', import.meta.url), 'utf8');
const ask = (proto: string, stream = 'livestream') =>
  postJson({ vhost: '__defaultVhost__', app: 'live', stream, proto });

describe('POST /api/v1/routes', () => {
  it('returns the backend and its dial address for the protocol', async () => {
    const { app } = testControl();
    await app.request('/api/v1/srs/register', postJson(heartbeat));
    const res = await app.request('/api/v1/routes', ask('rtmp'));
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      stream: string;
      backend: { id: string };
      address: { host: string; port: number };
    };
    assert.equal(body.stream, '__defaultVhost__/live/livestream');
    assert.equal(body.backend.id, 'vid-4168is2');
    assert.deepEqual(body.address, { host: '192.0.2.2', port: 19351 });
    const srt = (await (await app.request('/api/v1/routes', ask('srt'))).json()) as { address: object };
    assert.deepEqual(srt.address, { host: '192.0.2.2', port: 10081 });
  });

  it('answers 503 with JSON when no backend is alive', async () => {
    const { app, clock } = testControl();
    const none = await app.request('/api/v1/routes', ask('rtmp'));
    assert.equal(none.status, 503);
    assert.equal(((await none.json()) as { error: string }).error, 'no_backend');
    await app.request('/api/v1/srs/register', postJson(origin2));
    clock.now += 300_001;
    assert.equal((await app.request('/api/v1/routes', ask('rtmp'))).status, 503);
  });

  it('rejects bad route requests with 400', async () => {
    const { app } = testControl();
    for (const body of [
      {},
      { vhost: 'v', app: 'a', stream: 's', proto: 'ftp' },
      { vhost: 'v', app: '', stream: 's', proto: 'rtmp' },
      'nope',
    ]) {
      assert.equal((await app.request('/api/v1/routes', postJson(body))).status, 400);
    }
  });

  it('requires the control token when one is set', async () => {
    const { app } = testControl({ controlToken: 'node-token-123' });
    await app.request('/api/v1/srs/register', postJson(heartbeat));
    assert.equal((await app.request('/api/v1/routes', ask('rtmp'))).status, 401);
    assert.equal((await app.request('/api/v1/routes', ask('rtmp', 'x'))).status, 401);
    const wrong = postJson({ vhost: 'v', app: 'live', stream: 's', proto: 'rtmp' }, { authorization: 'Bearer nope' });
    assert.equal((await app.request('/api/v1/routes', wrong)).status, 401);
    const right = postJson(
      { vhost: 'v', app: 'live', stream: 's', proto: 'rtmp' },
      { authorization: 'Bearer node-token-123' },
    );
    assert.equal((await app.request('/api/v1/routes', right)).status, 200);
    assert.equal((await app.request('/api/v1/servers')).status, 401);
  });
});
