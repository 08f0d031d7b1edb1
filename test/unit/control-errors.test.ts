// The control plane's one error policy: every failure answers the shared JSON body with its code,
// and is logged exactly once with that code and the stream when the request named one.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../shared/log.ts';
import { testControl } from '../helpers/control-app.ts';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('debug', {}, (line) => lines.push(JSON.parse(line)));
  return { logger, failures: () => lines.filter((l) => l.msg === 'request failed') };
}

const heartbeat = {
  ip: '127.0.0.1',
  server: 'vid-errors',
  service: 's1',
  pid: '1',
  rtmp: ['19350'],
  http: ['18081'],
  api: ['19851'],
};

describe('control-plane errors', () => {
  it('answers no_backend 503 for a WHEP offer and logs it once with the stream', async () => {
    const log = capture();
    const { app } = testControl({ logger: log.logger });
    const res = await app.request('/rtc/v1/whep/?app=live&stream=cam', {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', origin: 'https://player.example' },
      body: 'v=0\r\n',
    });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.deepEqual(Object.keys((await res.json()) as object), ['code', 'error', 'message']);
    const failures = log.failures();
    assert.equal(failures.length, 1);
    assert.equal(failures[0]?.error, 'no_backend');
    assert.equal(failures[0]?.status, 503);
    assert.equal(failures[0]?.stream, '__defaultVhost__/live/cam');
    assert.equal(failures[0]?.level, 'error');
  });

  it('keeps an HLS origin error status, with CORS, logged once', async () => {
    const log = capture();
    const { app } = testControl({
      logger: log.logger,
      fetch: async () => new Response('gone', { status: 404 }),
    });
    await app.request('/api/v1/srs/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(heartbeat),
    });
    const res = await app.request('/live/cam.m3u8');
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const body = (await res.json()) as { error: string };
    assert.equal(body.error, 'upstream');
    assert.equal(log.failures().length, 1);
    assert.equal(log.failures()[0]?.stream, '__defaultVhost__/live/cam');
  });

  it('answers 415, 405 with Allow, and 404 for unknown routes', async () => {
    const log = capture();
    const { app } = testControl({ logger: log.logger });
    const wrongType = await app.request('/rtc/v1/whip/?app=live&stream=a', { method: 'POST', body: 'v=0' });
    assert.equal(wrongType.status, 415);
    assert.equal(((await wrongType.json()) as { error: string }).error, 'unsupported_media_type');
    const patch = await app.request('/rtc/v1/resource/abc', { method: 'PATCH' });
    assert.equal(patch.status, 405);
    assert.equal(patch.headers.get('allow'), 'DELETE, OPTIONS');
    const missing = await app.request('/nowhere');
    assert.equal(missing.status, 404);
    assert.deepEqual(
      log.failures().map((f) => [f.status, f.error]),
      [
        [415, 'unsupported_media_type'],
        [405, 'method_not_allowed'],
        [404, 'not_found'],
      ],
    );
  });

  it('never logs a registration secret', async () => {
    const log = capture();
    const { app } = testControl({ logger: log.logger, registerSecret: 'sekrit-value-123' });
    const res = await app.request('/api/v1/srs/register/wrong-secret-456', {
      method: 'POST',
      body: JSON.stringify(heartbeat),
    });
    assert.equal(res.status, 404);
    const text = JSON.stringify(log.failures());
    assert.doesNotMatch(text, /wrong-secret-456/);
    assert.match(text, /\/api\/v1\/srs\/register\/\*\*\*/);
  });

  it('hides an internal error from the client and logs its stack', async () => {
    const log = capture();
    const { app, store } = testControl({ logger: log.logger });
    store.listBackends = async () => {
      throw new TypeError('store exploded');
    };
    const res = await app.request('/api/v1/servers');
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { code: 500, error: 'internal', message: 'internal error' });
    const [failure] = log.failures();
    assert.equal(failure?.level, 'error');
    assert.match(String(failure?.stack), /store exploded/);
  });
});
