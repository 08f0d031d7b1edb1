// The WHIP/WHEP resource token: what DELETE needs, travelling in the URL, and nothing forged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeResourceToken, encodeResourceToken } from '../../control/rtc/resource-token.ts';
import { BadRequestError } from '../../shared/errors.ts';
import { CAPTURED } from '../helpers/captured-srs-origin.ts';

const base64Url = (text: string) => Buffer.from(text).toString('base64url');

describe('WebRTC resource token', () => {
  it("round-trips the backend id, the origin's captured Location and the ICE username, URL-safe", () => {
    for (const token of [
      { b: 'vid-4168is2', l: CAPTURED.whep.location, u: '0p227118:c9u7' },
      { b: 'vid-4168is2', l: '', u: '155b4s13:4jLY' },
      { b: 'ürigin-ß', l: '/rtc/v1/whip/?a=b+c&d=%2F', u: 'x/y+z:w' },
    ]) {
      const text = encodeResourceToken(token);
      assert.match(text, /^[A-Za-z0-9_-]+$/, 'fits in a path segment as is');
      assert.deepEqual(decodeResourceToken(text), token);
    }
  });

  it('rejects garbage: not base64, not UTF-8, not JSON, missing or mistyped fields', () => {
    for (const text of [
      '',
      '!!!',
      Buffer.from([0xff, 0xfe, 0xfd]).toString('base64url'),
      base64Url('not json'),
      base64Url('null'),
      base64Url('[]'),
      base64Url(JSON.stringify({ b: 'a', l: '' })),
      base64Url(JSON.stringify({ b: 1, l: '', u: 'x' })),
    ]) {
      assert.throws(() => decodeResourceToken(text), BadRequestError, text);
    }
  });

  it('rejects an oversized token, even a well-formed one', () => {
    const big = encodeResourceToken({ b: 'a', l: `/${'x'.repeat(2000)}`, u: 'u:v' });
    assert.ok(big.length > 2048);
    assert.throws(() => decodeResourceToken(big), BadRequestError);
  });

  it('rejects an origin path that does not start with / (DELETE appends it to the origin address)', () => {
    for (const l of ['http://169.254.169.254/latest', '@evil.example/x', 'rtc/v1/whip/']) {
      assert.throws(() => decodeResourceToken(base64Url(JSON.stringify({ b: 'a', l, u: 'u:v' }))), BadRequestError, l);
    }
  });
});
