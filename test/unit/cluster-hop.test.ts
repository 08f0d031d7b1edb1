// The pieces a cluster's primary and workers agree on: the stamped loopback hop (a worker's
// forwarded request carries its player's address; a stamp is believed only with the cluster's
// secret and from the primary's own host), session ids naming their worker, and the workers' V8 flags.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextSessionId, sessionIdWorker, tagSessionIdsWithWorker } from '../../dataplane/session-id.ts';
import { ClusterHop } from '../../process/cluster-hop.ts';
import { workerExecArgv } from '../../process/cluster-primary.ts';

/** The Node bindings @hono/node-server passes: the request's socket. */
const nodeEnv = (remoteAddress: string, localAddress = remoteAddress) => ({
  incoming: { socket: { remoteAddress, localAddress } },
});

function stamped(hop: ClusterHop, client: string | undefined): Request {
  const req = new Request('http://127.0.0.1/rtc/v1/whep/', { method: 'POST' });
  hop.stamp(req.headers, client);
  return req;
}

describe('cluster hop', () => {
  const hop = new ClusterHop();

  it("vouches for the player's address a worker stamped, from the same host", () => {
    const env = hop.vouch(stamped(hop, '192.0.2.7'), nodeEnv('127.0.0.1'));
    assert.deepEqual((env as { vouched?: unknown }).vouched, { client: '192.0.2.7' });
  });

  it("vouches for no address on a worker's own call (like an in-process one)", () => {
    const env = hop.vouch(stamped(hop, undefined), nodeEnv('::1'));
    assert.deepEqual((env as { vouched?: unknown }).vouched, { client: undefined });
  });

  it("stamps a forwarded request with its player's IPv4 address, unmapped", () => {
    const req = new Request('http://127.0.0.1/x');
    hop.stampForPlayer(req.headers, nodeEnv('::ffff:198.51.100.4', '::ffff:127.0.0.1'));
    assert.deepEqual((hop.vouch(req, nodeEnv('127.0.0.1')) as { vouched?: unknown }).vouched, {
      client: '198.51.100.4',
    });
  });

  it('ignores a stamp made without the secret, or replayed from another host', () => {
    const env = nodeEnv('127.0.0.1');
    assert.equal(hop.vouch(stamped(new ClusterHop(), '192.0.2.7'), env), env);
    const forged = new Request('http://127.0.0.1/', {
      headers: { 'x-switchyard-client': '192.0.2.7', 'x-switchyard-hop': 'AAAAAAAAAAAAAAAAAAAAAA' },
    });
    assert.equal(hop.vouch(forged, env), env);
    // A valid stamp for one address does not vouch for another.
    const swapped = stamped(hop, '192.0.2.7');
    swapped.headers.set('x-switchyard-client', '192.0.2.8');
    assert.equal(hop.vouch(swapped, env), env);
    const remote = nodeEnv('203.0.113.9', '10.0.0.1');
    assert.equal(hop.vouch(stamped(hop, '192.0.2.7'), remote), remote);
    const unstamped = nodeEnv('127.0.0.1');
    assert.equal(hop.vouch(new Request('http://127.0.0.1/'), unstamped), unstamped);
  });
});

describe('session ids in a cluster', () => {
  it("name the worker that owns them, and the primary's none", () => {
    const primary = nextSessionId('rtc');
    assert.equal(sessionIdWorker(primary), undefined);
    tagSessionIdsWithWorker(12);
    const worker = nextSessionId('rtmp');
    assert.match(worker, /^rtmp-[0-9a-z]{4}w12-[0-9a-z]+$/);
    assert.equal(sessionIdWorker(worker), 12);
    assert.notEqual(worker.split('-')[1], primary.split('-')[1]);
    assert.equal(sessionIdWorker('rtmp-abcdw1'), undefined);
    assert.equal(sessionIdWorker('nonsense'), undefined);
  });
});

describe("workers' V8 flags", () => {
  it('caps the young generation unless the operator chose a size', () => {
    assert.deepEqual(workerExecArgv(['--import', 'tsx']), ['--import', 'tsx', '--max-semi-space-size=1']);
    assert.deepEqual(workerExecArgv(['--max-semi-space-size=8']), ['--max-semi-space-size=8']);
    assert.deepEqual(workerExecArgv([], '--max-old-space-size=512 --max-semi-space-size=16'), []);
  });
});
