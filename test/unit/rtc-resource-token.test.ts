// WHIP/WHEP resource URLs are signed, expire, and only ever name the origin's delete path of their
// own session: a client cannot forge one or steer DELETE to another path or origin.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeResourceToken, encodeResourceToken, originDeletePath } from '../../control/rtc/resource-token.ts';
import { Signer } from '../../shared/signer.ts';
import { TEST_SIGNER, testControl } from '../helpers/control-app.ts';

const NOW = 1_800_000_000_000;
const USER = 'ans1:off1';
const DELETE_PATH = `/rtc/v1/whip/?action=delete&token=t1&app=live&stream=cam&session=${USER}`;

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

describe('resource token', () => {
  it('round-trips and expires', () => {
    const token = { b: 'vid-1', l: DELETE_PATH, u: USER, e: NOW + 1000 };
    const text = encodeResourceToken(token, TEST_SIGNER);
    assert.deepEqual(decodeResourceToken(text, TEST_SIGNER, NOW), token);
    assert.throws(() => decodeResourceToken(text, TEST_SIGNER, NOW + 1000), { code: 'not_found' });
  });

  it('refuses unsigned, re-signed and tampered tokens', () => {
    const unsigned = base64url(JSON.stringify({ b: 'vid-1', l: '/api/v1/clients/x', u: USER }));
    assert.throws(() => decodeResourceToken(unsigned, TEST_SIGNER, NOW), { code: 'not_found' });
    const otherKey = encodeResourceToken({ b: 'vid-1', l: '', u: USER, e: NOW + 1000 }, new Signer('another-key'));
    assert.throws(() => decodeResourceToken(otherKey, TEST_SIGNER, NOW), { code: 'not_found' });
    const good = encodeResourceToken({ b: 'vid-1', l: '', u: USER, e: NOW + 1000 }, TEST_SIGNER);
    const [, signature] = good.split('.');
    const forged = `${base64url(JSON.stringify({ b: 'evil', l: '', u: USER, e: NOW + 1000 }))}.${signature}`;
    assert.throws(() => decodeResourceToken(forged, TEST_SIGNER, NOW), { code: 'not_found' });
    assert.throws(() => decodeResourceToken('x'.repeat(5000), TEST_SIGNER, NOW), { code: 'not_found' });
  });

  it('keeps only the delete path of the same session from an origin Location', () => {
    assert.equal(originDeletePath(DELETE_PATH, USER), DELETE_PATH);
    assert.equal(originDeletePath(`http://10.0.0.1:1985${DELETE_PATH}`, USER), DELETE_PATH);
    assert.equal(originDeletePath(DELETE_PATH, 'other:user'), '');
    assert.equal(originDeletePath(`/api/v1/clients/123?action=delete&session=${USER}`, USER), '');
    assert.equal(originDeletePath(`/rtc/v1/whip/?session=${USER}`, USER), '');
    assert.equal(originDeletePath(`//evil.example/rtc/v1/whip/?action=delete&session=${USER}`, USER), '');
    assert.equal(originDeletePath(null, USER), '');
    // Browser ufrags may hold '+' and '/', written unencoded by SRS.
    const plus = 'a+b/:c+d/';
    const withPlus = `/rtc/v1/whep/?action=delete&token=t&session=${plus}`;
    assert.equal(originDeletePath(withPlus, plus), withPlus);
  });

  it('DELETE with a forged or foreign token reaches no origin', async () => {
    const asked: string[] = [];
    const { app, clock } = testControl({
      fetch: async (url) => {
        asked.push(url);
        return new Response(null, { status: 200 });
      },
    });
    await app.request('/api/v1/srs/register', {
      method: 'POST',
      body: JSON.stringify({ ip: '127.0.0.1', server: 'vid-1', service: 's', pid: '1', rtmp: ['1935'], api: ['1985'] }),
    });
    const crafted = base64url(JSON.stringify({ b: 'vid-1', l: '/api/v1/clients/abc', u: USER }));
    assert.equal((await app.request(`/rtc/v1/resource/${crafted}`, { method: 'DELETE' })).status, 404);
    const unknownBackend = encodeResourceToken({ b: 'vid-gone', l: '', u: USER, e: clock.now + 1000 }, TEST_SIGNER);
    assert.equal((await app.request(`/rtc/v1/resource/${unknownBackend}`, { method: 'DELETE' })).status, 404);
    assert.deepEqual(asked, []);
    const real = encodeResourceToken({ b: 'vid-1', l: DELETE_PATH, u: USER, e: clock.now + 1000 }, TEST_SIGNER);
    assert.equal((await app.request(`/rtc/v1/resource/${real}`, { method: 'DELETE' })).status, 200);
    assert.deepEqual(asked, [`http://127.0.0.1:1985${DELETE_PATH}`]);
  });
});
