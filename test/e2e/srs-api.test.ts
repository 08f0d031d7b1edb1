// SRS's HTTP API answered cluster-wide by Switchyard (`npm start`'s entry): two test origins
// serving SRS's API from captured answers (test/helpers/srs-api-origin.ts) and one registered
// origin whose API port answers nothing. The proxy merges both origins' streams and clients,
// annotated with their backend, and reports the silent one without failing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/ports.ts';
import { type SrsApiOrigin, startSrsApiOrigin } from '../helpers/srs-api-origin.ts';
import { register, type SwitchyardProcess, startSwitchyard } from '../helpers/switchyard.ts';

let one: SrsApiOrigin;
let two: SrsApiOrigin;
let sy: SwitchyardProcess;

const TOKEN = 'operator-token-123';
const auth = { authorization: `Bearer ${TOKEN}` };

const origin = (server: string, api: number) => ({
  ip: '127.0.0.1',
  server,
  service: `${server}-svc`,
  pid: '1',
  rtmp: ['1935'],
  api: [String(api)],
});

before(async () => {
  [one, two, sy] = await Promise.all([
    startSrsApiOrigin('cam-one'),
    startSrsApiOrigin('cam-two'),
    startSwitchyard({ PROXY_CONTROL_TOKEN: TOKEN }),
  ]);
  const silent = await freePort();
  for (const [server, api] of [
    ['origin-one', one.port],
    ['origin-two', two.port],
    ['origin-silent', silent],
  ] as const) {
    assert.equal((await register(sy.systemPort, origin(server, api))).status, 200);
  }
});

after(async () => {
  await Promise.all([sy?.stop(), one?.stop(), two?.stop()]);
});

type Streams = {
  code: number;
  server: string;
  streams: Array<{ name: string; id: string; backend: string; clients: number; publish: { active: boolean } }>;
  origins: Array<{ backend: string; ok: boolean; error?: string }>;
};

describe('SRS HTTP API across the cluster', () => {
  it('lists every origin streams in SRS shape, annotated, on the system port (token) and the API port', async () => {
    const denied = await fetch(`http://127.0.0.1:${sy.systemPort}/api/v1/streams`);
    assert.equal(denied.status, 401);
    for (const url of [
      `http://127.0.0.1:${sy.systemPort}/api/v1/streams`,
      `http://127.0.0.1:${sy.apiPort}/api/v1/streams`,
    ]) {
      const res = await fetch(url, { headers: auth });
      assert.equal(res.status, 200, url);
      const body = (await res.json()) as Streams;
      assert.equal(body.code, 0);
      assert.match(body.server, /^vid-/);
      const streams = body.streams.map((s) => [s.name, s.id, s.backend]).sort();
      assert.deepEqual(streams, [
        ['cam-one', 'vid-cam-one', 'origin-one'],
        ['cam-two', 'vid-cam-two', 'origin-two'],
      ]);
      // The rest of each entry is SRS's own.
      assert.ok(body.streams.every((s) => s.publish.active === true && s.clients === 1));
      const silent = body.origins.find((o) => o.backend === 'origin-silent');
      assert.equal(silent?.ok, false);
      assert.ok(silent?.error);
      assert.deepEqual(
        body.origins
          .filter((o) => o.ok)
          .map((o) => o.backend)
          .sort(),
        ['origin-one', 'origin-two'],
      );
    }
    assert.ok(one.requests.some((r) => r.startsWith('/api/v1/streams/?')));
  });

  it('finds one stream by its SRS id on the origin that has it', async () => {
    const res = await fetch(`http://127.0.0.1:${sy.apiPort}/api/v1/streams/vid-cam-two`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { stream: { name: string; backend: string } };
    assert.deepEqual([body.stream.name, body.stream.backend], ['cam-two', 'origin-two']);
    const missing = await fetch(`http://127.0.0.1:${sy.apiPort}/api/v1/streams/vid-nowhere`);
    assert.equal(missing.status, 404);
  });

  it('merges clients and lists summaries per origin, only with the token and only on the system port', async () => {
    assert.equal((await fetch(`http://127.0.0.1:${sy.apiPort}/api/v1/clients`)).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${sy.systemPort}/api/v1/clients`)).status, 401);
    const clients = (await (
      await fetch(`http://127.0.0.1:${sy.systemPort}/api/v1/clients`, { headers: auth })
    ).json()) as {
      clients: Array<{ stream: string; backend: string; type: string }>;
    };
    assert.deepEqual(clients.clients.map((c) => [c.stream, c.backend, c.type]).sort(), [
      ['vid-cam-one', 'origin-one', 'fmle-publish'],
      ['vid-cam-two', 'origin-two', 'fmle-publish'],
    ]);
    const summaries = (await (
      await fetch(`http://127.0.0.1:${sy.systemPort}/api/v1/summaries`, { headers: auth })
    ).json()) as {
      data: { ok: boolean; origins: Array<{ backend: string; ok: boolean; data?: { self?: { version: string } } }> };
    };
    assert.equal(summaries.data.ok, true);
    const byBackend = Object.fromEntries(summaries.data.origins.map((o) => [o.backend, o]));
    assert.equal(byBackend['origin-one']?.data?.self?.version, '7.0.18');
    assert.equal(byBackend['origin-silent']?.ok, false);
  });
});
