// What an edge control plane may fetch (public-url.ts) and what it may ask a node to fetch
// (gateway-ticket.ts), and registration of origins' public URLs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRegistration, templatePublicUrls } from '../../control/registration.ts';
import { decodeGatewayTicket, encodeGatewayTicket, isGatewayRequest } from '../../shared/gateway-ticket.ts';
import { parseWorkerBaseUrl } from '../../shared/public-url.ts';
import { Signer } from '../../shared/signer.ts';

describe('parseWorkerBaseUrl', () => {
  it('takes host names on ports a Worker dials', () => {
    assert.equal(parseWorkerBaseUrl('https://o1.example.com/', 'f'), 'https://o1.example.com');
    assert.equal(parseWorkerBaseUrl('https://o1.example.com:443', 'f'), 'https://o1.example.com');
    assert.equal(parseWorkerBaseUrl('http://node-a.example.com:8080', 'f'), 'http://node-a.example.com:8080');
  });
  it('refuses IPs, other ports, paths and credentials, naming the field', () => {
    for (const bad of [
      'http://10.0.0.5:8080',
      'https://[::1]',
      'https://o1.example.com:8443',
      'http://o1.example.com:1985',
      'https://o1.example.com/api',
      'https://u:p@o1.example.com',
      'ftp://o1.example.com',
      'https://o1.example.com?x=1',
      42,
    ]) {
      assert.throws(() => parseWorkerBaseUrl(bad, 'public_urls.api'), /public_urls\.api/, String(bad));
    }
  });
});

describe('isGatewayRequest', () => {
  it('allows HLS artefacts, signalling POSTs and a session delete only', () => {
    assert.ok(isGatewayRequest('GET', '/live/cam.m3u8'));
    assert.ok(isGatewayRequest('HEAD', '/live/cam-12.ts?x=1'));
    assert.ok(isGatewayRequest('POST', '/rtc/v1/whip/?app=live&stream=cam'));
    assert.ok(isGatewayRequest('POST', '/rtc/v1/play/'));
    assert.ok(isGatewayRequest('DELETE', '/rtc/v1/whep/?action=delete&token=t&session=a:b'));
    for (const [m, p] of [
      ['GET', '/api/v1/clients'],
      ['GET', '/live/../api.m3u8'],
      ['GET', '//evil.example/x.m3u8'],
      ['POST', '/api/v1/clients/'],
      ['DELETE', '/api/v1/clients/1'],
      ['DELETE', '/rtc/v1/whip/?session=a:b'],
      ['PUT', '/live/cam.m3u8'],
    ]) {
      assert.equal(isGatewayRequest(m as string, p as string), false, `${m} ${p}`);
    }
  });
  it('tickets verify only with the key and before expiry', () => {
    const signer = new Signer('gateway-key-0123456789');
    const t = { b: 'o', a: '10.0.0.5:8080', m: 'GET', p: '/live/a.m3u8', e: 1000 };
    const text = encodeGatewayTicket(t, signer);
    assert.deepEqual(decodeGatewayTicket(text, signer, 999), t);
    assert.equal(decodeGatewayTicket(text, signer, 1000), undefined);
    assert.equal(decodeGatewayTicket(text, new Signer('other-key-0123456789'), 0), undefined);
    assert.equal(decodeGatewayTicket(`${text.slice(0, -2)}xx`, signer, 0), undefined);
  });
});

describe('public URLs at registration', () => {
  const base = {
    ip: '10.0.0.5',
    server: 'vid-1',
    service: 's',
    pid: '1',
    rtmp: ['1935'],
    http: ['8080'],
    api: ['1985'],
  };
  it('keeps validated public_urls and region', () => {
    const b = parseRegistration({ ...base, public_urls: { api: 'https://o1-api.example.com' }, region: 'eu' }, 0);
    assert.deepEqual(b.publicUrls, { api: 'https://o1-api.example.com' });
    assert.equal(b.region, 'eu');
    assert.throws(
      () => parseRegistration({ ...base, public_urls: { api: 'http://10.0.0.5:1985' } }, 0),
      /public_urls\.api/,
    );
    assert.throws(
      () => parseRegistration({ ...base, public_urls: { rtmp: 'https://x.example.com' } }, 0),
      /public_urls/,
    );
  });
  it('builds them from PROXY_ORIGIN_URL_TEMPLATE for an SRS heartbeat', () => {
    const b = parseRegistration({ ...base, device_id: 'Origin1' }, 0);
    assert.deepEqual(templatePublicUrls('https://{device_id}-{proto}.origins.example.com', b), {
      http: 'https://origin1-http.origins.example.com',
      api: 'https://origin1-api.origins.example.com',
    });
    assert.throws(() => templatePublicUrls('https://{device_id}.example.com', parseRegistration(base, 0)), /device_id/);
  });
});
