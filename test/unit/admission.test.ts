// The pending-session limits: counting, per-source keys, throttled refusal logs, and the
// settings that configure them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Admission, type Admitted, LogThrottle, sourceKey } from '../../dataplane/admission.ts';
import { parseConfig } from '../../shared/config.ts';
import { ConfigError } from '../../shared/errors.ts';

function admitted(result: ReturnType<Admission['admit']>): Admitted {
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result;
}

describe('admission', () => {
  it('refuses a source over its limit while other sources still get in, and counts releases once', () => {
    const a = new Admission({ maxPending: 100, maxPendingPerSource: 2 });
    const first = admitted(a.admit('10.0.0.1'));
    admitted(a.admit('10.0.0.1'));
    const refused = a.admit('10.0.0.1');
    assert.equal(refused.ok, false);
    assert.match(refused.ok ? '' : refused.reason, /2 sessions pending from 10\.0\.0\.1/);
    admitted(a.admit('10.0.0.2'));
    assert.equal(a.pending, 3);
    first.release();
    first.release();
    assert.equal(a.pending, 2);
    assert.equal(a.pendingFrom('10.0.0.1'), 1);
    admitted(a.admit('10.0.0.1'));
    assert.equal(a.admit('10.0.0.1').ok, false);
  });

  it('refuses everyone over the global limit until a session leaves', () => {
    const a = new Admission({ maxPending: 3, maxPendingPerSource: 0 });
    const tickets = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((ip) => admitted(a.admit(ip)));
    const refused = a.admit('10.0.0.4');
    assert.equal(refused.ok, false);
    assert.match(refused.ok ? '' : refused.reason, /3 sessions pending on this node/);
    tickets[1]?.release();
    admitted(a.admit('10.0.0.4'));
    assert.equal(a.pending, 3);
  });

  it('has no limit when both are 0, and forgets sources with nothing pending', () => {
    const a = new Admission({ maxPending: 0, maxPendingPerSource: 0 });
    const tickets = Array.from({ length: 5000 }, (_, i) => admitted(a.admit(`10.0.${i >> 8}.${i & 255}`)));
    assert.equal(a.pending, 5000);
    for (const t of tickets) t.release();
    assert.equal(a.pending, 0);
    assert.equal(a.pendingFrom('10.0.0.1'), 0);
    assert.equal((a as unknown as { bySource: Map<string, number> }).bySource.size, 0);
  });

  it('keys IPv4-mapped IPv6 as IPv4 and IPv6 by its /64', () => {
    assert.equal(sourceKey('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(sourceKey('::FFFF:10.1.2.3'), '10.1.2.3');
    assert.equal(sourceKey('192.0.2.7'), '192.0.2.7');
    assert.equal(sourceKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(sourceKey('2001:0DB8:0001:0002:ffff:0:0:9'), '2001:db8:1:2::/64');
    assert.equal(sourceKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(sourceKey('::1'), '0:0:0:0::/64');
    assert.equal(sourceKey('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
    assert.equal(sourceKey(undefined), 'unknown');
    assert.equal(sourceKey('not:an::address::'), 'not:an::address::');
    const a = new Admission({ maxPending: 0, maxPendingPerSource: 1 });
    admitted(a.admit('2001:db8:1:2::10'));
    assert.equal(a.admit('2001:db8:1:2::20').ok, false, 'same /64');
    admitted(a.admit('2001:db8:1:3::10'));
    admitted(a.admit('::ffff:192.0.2.1'));
    assert.equal(a.admit('192.0.2.1').ok, false, 'IPv4-mapped is the same source');
  });

  it('throttles refusal logs to one per window, counting those held back', () => {
    const t = new LogThrottle(1000);
    assert.equal(t.take(0), 0);
    assert.equal(t.take(10), undefined);
    assert.equal(t.take(999), undefined);
    assert.equal(t.take(1000), 2);
    assert.equal(t.take(1500), undefined);
    assert.equal(t.take(5000), 1);
  });
});

describe('limit settings', () => {
  it('have documented defaults', () => {
    assert.deepEqual(parseConfig({}).limits, {
      maxPending: 1000,
      maxPendingPerSource: 20,
      pendingMaxBytes: 65536,
      writeStallMs: 10_000,
      httpHeadersMs: 10_000,
    });
  });

  it('parse counts, sizes and durations', () => {
    const limits = parseConfig({
      PROXY_MAX_PENDING_CONNECTIONS: '50',
      PROXY_MAX_PENDING_PER_IP: '0',
      PROXY_PENDING_MAX_BYTES: '16k',
      PROXY_WRITE_STALL_TIMEOUT: '2500ms',
      PROXY_HTTP_HEADERS_TIMEOUT: '3s',
    }).limits;
    assert.deepEqual(limits, {
      maxPending: 50,
      maxPendingPerSource: 0,
      pendingMaxBytes: 16384,
      writeStallMs: 2500,
      httpHeadersMs: 3000,
    });
    assert.equal(parseConfig({ PROXY_PENDING_MAX_BYTES: '1MiB' }).limits.pendingMaxBytes, 1 << 20);
    assert.equal(parseConfig({ PROXY_PENDING_MAX_BYTES: '8192' }).limits.pendingMaxBytes, 8192);
  });

  it('name the variable when a value is invalid', () => {
    const bad: Array<[string, string]> = [
      ['PROXY_MAX_PENDING_CONNECTIONS', '-1'],
      ['PROXY_MAX_PENDING_CONNECTIONS', 'lots'],
      ['PROXY_MAX_PENDING_PER_IP', '2.5'],
      ['PROXY_PENDING_MAX_BYTES', '1k'],
      ['PROXY_PENDING_MAX_BYTES', '64 potatoes'],
      ['PROXY_PENDING_MAX_BYTES', '1g'],
      ['PROXY_WRITE_STALL_TIMEOUT', 'soon'],
      ['PROXY_HTTP_HEADERS_TIMEOUT', '100ms'],
    ];
    for (const [name, value] of bad) {
      assert.throws(
        () => parseConfig({ [name]: value }),
        (err: unknown) => err instanceof ConfigError && err.message.includes(name),
        `${name}=${value}`,
      );
    }
  });
});
