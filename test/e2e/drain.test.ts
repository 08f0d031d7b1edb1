// Drain and cordon through Switchyard (`npm start`'s entry) with two nginx-rtmp origins and
// ffmpeg: a draining origin gets no new stream while its stream keeps playing; a draining node
// answers 503 on its health check and refuses a new RTMP player while a playing one keeps going.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { playFor, publishTestStream } from '../helpers/ffmpeg.ts';
import { type NginxOrigin, startNginxRtmp } from '../helpers/nginx-rtmp.ts';
import { type Child, waitFor } from '../helpers/processes.ts';
import { originBody, register, type SwitchyardProcess, startSwitchyard } from '../helpers/switchyard.ts';

let a: NginxOrigin;
let b: NginxOrigin;
let sy: SwitchyardProcess;
const publishers: Child[] = [];

const system = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${sy.systemPort}${path}`, init);

/** The backend the control plane has bound `stream` to, from the bindings view. */
async function boundBackend(stream: string): Promise<string | undefined> {
  const body = (await (await system('/api/v1/bindings')).json()) as {
    data: { bindings: Array<{ stream: string; backend: string }> };
  };
  return body.data.bindings.find((x) => x.stream === `__defaultVhost__/live/${stream}`)?.backend;
}

function publish(stream: string): Child {
  const child = publishTestStream(`rtmp://127.0.0.1:${sy.rtmpPort}/live/${stream}`, { seconds: 120 });
  publishers.push(child);
  return child;
}

const relayCount = () => sy.process.output().split('"msg":"rtmp relay started"').length - 1;

before(async () => {
  [a, b, sy] = await Promise.all([startNginxRtmp(), startNginxRtmp(), startSwitchyard()]);
});

after(async () => {
  for (const p of publishers) await p.stop();
  await Promise.all([sy?.stop(), a?.stop(), b?.stop()]);
});

describe('drain and cordon', () => {
  it('a draining origin gets no new stream while its existing stream keeps playing', async () => {
    assert.equal((await register(sy.systemPort, originBody('a', { rtmp: a.rtmpPort }))).status, 200);
    publish('old');
    await waitFor('the old stream bound to a', async () => (await boundBackend('old')) === 'a');
    assert.equal((await register(sy.systemPort, originBody('b', { rtmp: b.rtmpPort }))).status, 200);
    const drained = await system('/api/v1/servers/a/drain', { method: 'POST' });
    assert.equal(drained.status, 200);
    const view = (await (await system('/api/v1/servers/a')).json()) as { data: { server: { draining: boolean } } };
    assert.equal(view.data.server.draining, true);

    for (const stream of ['new0', 'new1', 'new2', 'new3']) publish(stream);
    await waitFor('four new streams bound', async () => {
      const bound = await Promise.all(['new0', 'new1', 'new2', 'new3'].map(boundBackend));
      return bound.every((x) => x !== undefined) ? bound : undefined;
    }).then((bound) => assert.deepEqual(bound, ['b', 'b', 'b', 'b']));

    const played = await playFor(`rtmp://127.0.0.1:${sy.rtmpPort}/live/old`, 2);
    assert.equal(played.code, 0, played.stderr);
    assert.equal(await boundBackend('old'), 'a', 'the old stream stays on its origin');
    assert.equal((await system('/api/v1/servers/a/drain', { method: 'DELETE' })).status, 200);
  });

  it('a draining node fails its health check and refuses new RTMP clients; a playing one goes on', async () => {
    assert.equal((await system('/api/v1/health')).status, 200);
    await waitFor('the old stream to relay', async () => relayCount() >= 5);
    const playing = playFor(`rtmp://127.0.0.1:${sy.rtmpPort}/live/old`, 6);
    const relaysBefore = relayCount();
    await waitFor('the player to relay', async () => relayCount() > relaysBefore);

    const drain = await system('/api/v1/node/drain', { method: 'POST' });
    assert.equal(drain.status, 200);
    const health = await system('/api/v1/health');
    assert.equal(health.status, 503);
    assert.equal(((await health.json()) as { state: string }).state, 'draining');

    const refused = await playFor(`rtmp://127.0.0.1:${sy.rtmpPort}/live/old`, 2);
    assert.notEqual(refused.code, 0, 'a new player is refused');
    await waitFor('the refusal logged with reason draining', async () =>
      sy.process.output().includes('"reason":"draining"'),
    );
    const kept = await playing;
    assert.equal(kept.code, 0, `the player that was playing kept receiving: ${kept.stderr}`);

    const node = (await (await system('/api/v1/node')).json()) as { data: { state: string } };
    assert.equal(node.data.state, 'draining');
    assert.equal((await system('/api/v1/node/drain', { method: 'DELETE' })).status, 200);
    assert.equal((await system('/api/v1/health')).status, 200);
    const again = await playFor(`rtmp://127.0.0.1:${sy.rtmpPort}/live/old`, 1);
    assert.equal(again.code, 0, again.stderr);
  });

  it('lists the RTMP sessions of the node and kicks one', async () => {
    const started = Date.now();
    const playing = playFor(`rtmp://127.0.0.1:${sy.rtmpPort}/live/old`, 30);
    type Listed = { id: string; kind: string; stream: string; backend: string; bytesOut: number; relaying: boolean };
    const player = await waitFor('the player in the sessions list', async () => {
      const body = (await (await system('/api/v1/sessions')).json()) as { data: { sessions: Listed[] } };
      return body.data.sessions.find((x) => x.kind === 'play' && x.relaying && x.bytesOut > 0);
    });
    assert.deepEqual([player.stream, player.backend], ['__defaultVhost__/live/old', 'a']);
    const kicked = await system(`/api/v1/sessions/${player.id}`, { method: 'DELETE' });
    assert.equal(kicked.status, 200);
    await playing;
    assert.ok(Date.now() - started < 20_000, 'the player ended long before its 30 s');
    assert.match(
      sy.process.output(),
      new RegExp(`"cid":"${player.id}"[^\n]*"reason":"deleted"|"reason":"deleted"[^\n]*"cid":"${player.id}"`),
    );
    assert.equal((await system(`/api/v1/sessions/${player.id}`, { method: 'DELETE' })).status, 404);
  });

  it("SIGTERM's grace period reports draining on the health check until the last session ends", async () => {
    const graceful = await startSwitchyard({ PROXY_GRACE_QUIT_TIMEOUT: '20s', PROXY_FORCE_QUIT_TIMEOUT: '25s' });
    const origin = await startNginxRtmp();
    let live: Child | undefined;
    try {
      await register(graceful.systemPort, originBody('g', { rtmp: origin.rtmpPort }));
      live = publishTestStream(`rtmp://127.0.0.1:${graceful.rtmpPort}/live/g`, { seconds: 60 });
      await waitFor('the publisher to relay', async () => graceful.process.output().includes('rtmp relay started'));
      graceful.process.proc.kill('SIGTERM');
      const health = await waitFor('a draining health check', async () => {
        const res = await fetch(`http://127.0.0.1:${graceful.systemPort}/api/v1/health`);
        const body = (await res.json()) as { state: string; cause?: string };
        return res.status === 503 ? body : undefined;
      });
      assert.deepEqual([health.state, health.cause], ['draining', 'shutdown']);
      await live.stop();
      assert.equal(await graceful.process.exited, 0);
      const lines = graceful.process.output().trim().split('\n');
      assert.equal((JSON.parse(lines[lines.length - 1] as string) as { msg: string }).msg, 'stopped');
    } finally {
      await live?.stop();
      await graceful.stop();
      await origin.stop();
    }
  });
});
