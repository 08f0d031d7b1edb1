import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig, parseDuration } from '../../shared/config.ts';
import { dialAddress, formatEndpoint, parseEndpoint } from '../../shared/endpoint.ts';
import { BadRequestError, ConfigError } from '../../shared/errors.ts';

describe('endpoints', () => {
  it('parses every form SRS announces', () => {
    assert.deepEqual(parseEndpoint('1935'), { port: 1935 });
    assert.deepEqual(parseEndpoint('tcp://:1935'), { proto: 'tcp', port: 1935 });
    assert.deepEqual(parseEndpoint('udp://0.0.0.0:8000'), { proto: 'udp', port: 8000 });
    assert.deepEqual(parseEndpoint('tcp://192.168.3.10:1935'), { proto: 'tcp', host: '192.168.3.10', port: 1935 });
    assert.deepEqual(parseEndpoint('udp://[::1]:8000'), { proto: 'udp', host: '::1', port: 8000 });
  });
  it('round-trips through formatEndpoint and dials the backend ip for wildcard hosts', () => {
    for (const text of ['1935', 'tcp://:1935', 'tcp://10.1.1.1:80', 'udp://[::1]:8000']) {
      assert.equal(formatEndpoint(parseEndpoint(text)), text);
    }
    assert.deepEqual(dialAddress(parseEndpoint('udp://0.0.0.0:8000'), '10.0.0.5'), { host: '10.0.0.5', port: 8000 });
    assert.deepEqual(dialAddress(parseEndpoint('tcp://10.0.0.9:1'), '10.0.0.5'), { host: '10.0.0.9', port: 1 });
  });
  it('rejects garbage', () => {
    for (const bad of ['', '0', '65536', 'abc', 'tcp://1.2.3.4', 'http://:80', 'tcp://a b:1', '1935x']) {
      assert.throws(() => parseEndpoint(bad), BadRequestError, bad);
    }
  });
});

describe('config', () => {
  it('applies the Go proxy defaults', () => {
    const c = parseConfig({});
    assert.deepEqual(
      [c.rtmp.port, c.httpServer.port, c.httpApi.port, c.webrtc.port, c.srt.port, c.systemApi.port],
      [11935, 18080, 11985, 18000, 20080, 12025],
    );
    assert.equal(c.loadBalancer, 'memory');
    assert.equal(c.graceQuitMs, 20_000);
    assert.equal(c.forceQuitMs, 30_000);
    assert.equal(c.defaultBackend, undefined);
  });
  it('reads the default backend and durations', () => {
    const c = parseConfig({
      PROXY_DEFAULT_BACKEND_ENABLED: 'on',
      PROXY_DEFAULT_BACKEND_IP: '10.0.0.2',
      PROXY_DEFAULT_BACKEND_HTTP: '8080',
      PROXY_GRACE_QUIT_TIMEOUT: '1m30s',
      PROXY_FORCE_QUIT_TIMEOUT: '2m',
      PROXY_RTMP_SERVER: '127.0.0.1:1936',
    });
    assert.deepEqual(c.defaultBackend, {
      ip: '10.0.0.2',
      rtmp: 1935,
      http: 8080,
      api: undefined,
      rtc: undefined,
      srt: undefined,
      rtsp: undefined,
    });
    assert.equal(c.graceQuitMs, 90_000);
    assert.deepEqual(c.rtmp, { host: '127.0.0.1', port: 1936 });
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('3'), 3000);
    assert.equal(parseDuration('3x'), undefined);
  });
  it('stops on invalid values with a message naming the variable', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PROXY_RTMP_SERVER: 'abc' }, /PROXY_RTMP_SERVER/],
      [{ PROXY_HTTP_API: '99999' }, /PROXY_HTTP_API/],
      [{ PROXY_LOAD_BALANCER_TYPE: 'etcd' }, /PROXY_LOAD_BALANCER_TYPE/],
      [{ PROXY_LOAD_BALANCER_TYPE: 'redis' }, /UPSTASH_REDIS_REST_URL/],
      [{ PROXY_GRACE_QUIT_TIMEOUT: 'soon' }, /PROXY_GRACE_QUIT_TIMEOUT/],
      [{ PROXY_DEFAULT_BACKEND_ENABLED: 'maybe' }, /PROXY_DEFAULT_BACKEND_ENABLED/],
      [{ PROXY_DEFAULT_BACKEND_ENABLED: 'on', PROXY_DEFAULT_BACKEND_RTMP: 'x' }, /PROXY_DEFAULT_BACKEND_RTMP/],
      [{ PROXY_CONTROL_URL: 'ftp://x' }, /PROXY_CONTROL_URL/],
      [{ PROXY_CONTROL_TOKEN: 'short' }, /PROXY_CONTROL_TOKEN/],
      [{ PROXY_LOG_LEVEL: 'loud' }, /PROXY_LOG_LEVEL/],
    ];
    for (const [env, pattern] of cases)
      assert.throws(
        () => parseConfig(env),
        (err: Error) => err instanceof ConfigError && pattern.test(err.message),
      );
  });
});
