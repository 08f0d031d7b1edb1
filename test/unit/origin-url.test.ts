// One helper builds every origin URL; IPv6 hosts need brackets (WHIP/WHEP to an IPv6 origin once
// dialled "http://::1:1985").

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { originUrl } from '../../shared/endpoint.ts';
import { testControl } from '../helpers/control-app.ts';

describe('originUrl', () => {
  it('brackets IPv6 hosts and leaves others alone', () => {
    assert.equal(
      originUrl({ host: '::1', port: 1985 }, '/rtc/v1/whip/?app=live'),
      'http://[::1]:1985/rtc/v1/whip/?app=live',
    );
    assert.equal(originUrl({ host: '10.0.0.7', port: 8080 }), 'http://10.0.0.7:8080');
    assert.equal(originUrl({ host: 'origin-1.internal', port: 80 }, '/x'), 'http://origin-1.internal:80/x');
  });

  it('is what WHIP uses for an origin registered by IPv6 address', async () => {
    const asked: string[] = [];
    const { app } = testControl({
      rtcCandidate: { host: '127.0.0.1', port: 18000 },
      fetch: async (url) => {
        asked.push(url);
        return new Response('no', { status: 500 });
      },
    });
    const reg = await app.request('/api/v1/srs/register', {
      method: 'POST',
      body: JSON.stringify({ ip: '::1', server: 'vid-v6', service: 's', pid: '1', rtmp: ['1935'], api: ['1985'] }),
    });
    assert.equal(reg.status, 200);
    const res = await app.request('/rtc/v1/whip/?app=live&stream=v6', {
      method: 'POST',
      headers: { 'content-type': 'application/sdp' },
      body: 'v=0\r\na=ice-ufrag:abcd\r\n',
    });
    assert.equal(res.status, 500);
    assert.deepEqual(asked, ['http://[::1]:1985/rtc/v1/whip/?app=live&stream=v6']);
  });
});
