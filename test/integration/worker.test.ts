// The control app inside workerd with the Upstash store over a real Redis.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Miniflare } from 'miniflare';
import { startUpstash, type UpstashFixture } from '../helpers/redis.ts';
import { startWorker } from '../helpers/workerd.ts';

const heartbeat = readFileSync(new URL('../fixtures/srs/srs-heartbeat.json', import.meta.url), 'utf8');
const origin2 = readFileSync(new URL('../fixtures/srs/srs-heartbeat-origin2.json', import.meta.url), 'utf8');

let upstash: UpstashFixture;
let workerA: Miniflare;
let workerB: Miniflare;
const TOKEN = 'dataplane-token-1';

before(async () => {
  upstash = await startUpstash();
  const bindings = {
    UPSTASH_REDIS_REST_URL: upstash.url,
    UPSTASH_REDIS_REST_TOKEN: upstash.token,
    PROXY_REDIS_KEY_PREFIX: `wk${Date.now().toString(36)}`,
    PROXY_REGISTER_SECRET: 'register-secret-1',
    PROXY_CONTROL_TOKEN: TOKEN,
    PROXY_LOG_LEVEL: 'warn',
  };
  // Two separate workerd instances: state must travel through Redis, not isolate memory.
  [workerA, workerB] = await Promise.all([startWorker(bindings), startWorker(bindings)]);
});

after(async () => {
  await Promise.all([workerA?.dispose(), workerB?.dispose()]);
  await upstash?.close();
});

const post = (body: string | object, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('control plane in workerd', () => {
  it('answers versions', async () => {
    const res = await workerA.dispatchFetch('http://sy.test/api/v1/versions');
    assert.equal(res.status, 200);
    const body = (await res.json()) as { code: number; data: { version: string } };
    assert.equal(body.code, 0);
    assert.match(body.data.version, /^\d+\.\d+\.\d+$/);
  });

  it('registers through the secret path only and routes from another instance', async () => {
    const denied = await workerA.dispatchFetch('http://sy.test/api/v1/srs/register', post(heartbeat));
    assert.equal(denied.status, 404);
    await denied.arrayBuffer();
    for (const body of [heartbeat, origin2]) {
      const res = await workerA.dispatchFetch('http://sy.test/api/v1/srs/register/register-secret-1', post(body));
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { code: number }).code, 0);
    }
    const bad = await workerA.dispatchFetch('http://sy.test/api/v1/srs/register/register-secret-1', post({ ip: 'x' }));
    assert.equal(bad.status, 400);
    await bad.arrayBuffer();

    const ask = post(
      { vhost: '__defaultVhost__', app: 'live', stream: 'edge', proto: 'rtmp' },
      { authorization: `Bearer ${TOKEN}` },
    );
    const unauth = await workerB.dispatchFetch(
      'http://sy.test/api/v1/routes',
      post({ vhost: 'v', app: 'live', stream: 'edge', proto: 'rtmp' }),
    );
    assert.equal(unauth.status, 401);
    await unauth.arrayBuffer();
    const first = (await (await workerB.dispatchFetch('http://sy.test/api/v1/routes', ask)).json()) as {
      backend: { id: string };
    };
    for (let i = 0; i < 5; i++) {
      const worker = i % 2 ? workerA : workerB;
      const again = (await (await worker.dispatchFetch('http://sy.test/api/v1/routes', { ...ask })).json()) as {
        backend: { id: string };
      };
      assert.equal(again.backend.id, first.backend.id);
    }
    const servers = await workerB.dispatchFetch('http://sy.test/api/v1/servers', {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const list = (await servers.json()) as { data: { servers: Array<{ id: string; alive: boolean }> } };
    assert.deepEqual(list.data.servers.map((s) => s.id).sort(), ['vid-4133g41', 'vid-4168is2']);
  });
});
