import assert from 'node:assert/strict';
import { it } from 'node:test';
import { systemApiExposed } from '../../process/exposure-warning.ts';

it('warns about an unprotected system API unless it is bound to loopback', () => {
  const on = (host: string, registerSecret?: string, controlToken?: string) =>
    systemApiExposed({ systemApi: { host, port: 12025 }, registerSecret, controlToken });
  assert.deepEqual(on('0.0.0.0'), ['PROXY_REGISTER_SECRET', 'PROXY_CONTROL_TOKEN']);
  assert.deepEqual(on('10.0.0.5', 'secret-123'), ['PROXY_CONTROL_TOKEN']);
  assert.deepEqual(on('0.0.0.0', 'secret-123', 'token-123'), []);
  assert.deepEqual(on('127.0.0.1'), []);
  assert.deepEqual(on('::1'), []);
});
