// The node bundle as a cluster (PROXY_WORKERS=2) in front of a real nginx-rtmp origin: RTMP plays
// are served by both workers, the one control plane in the primary routes them, /metrics adds up
// the workers' counters, the node's sessions list and kick cover ffmpeg players on both workers,
// an operator drain makes both workers refuse new players, per-address rate limits see each
// client's own address through a worker (and no forged one), and SIGTERM stops every process of
// the tree with exit code 0. Then split mode: a cluster node whose workers ask a separate control
// plane, which lists the sessions of both workers through the node's admin URL.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { processTree } from '../../bench/proc-stats.ts';
import { bundlePath } from '../helpers/bundle.ts';
import { probeUntilAv, publishTestStream, startPlayer } from '../helpers/ffmpeg.ts';
import { type NginxOrigin, startNginxRtmp } from '../helpers/nginx-rtmp.ts';
import { proxyPorts } from '../helpers/ports.ts';
import { type Child, startProcess, waitFor, waitForTcp } from '../helpers/processes.ts';
import { promtoolCheck, sampleValue } from '../helpers/prometheus.ts';
import { originBody, register, waitUntilListening } from '../helpers/switchyard.ts';

let nginx: NginxOrigin;
let node: Child;
let publisher: Child | undefined;
let ports: Awaited<ReturnType<typeof proxyPorts>>['ports'];
/** Stopped after the tests: players first, then processes in reverse order of start. */
const players: Child[] = [];
const children: Child[] = [];

interface Listed {
  id: string;
  protocol: string;
  kind?: string;
  stream?: string;
  relaying: boolean;
}

const system = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${ports.system}${path}`, init);

async function listed(): Promise<{ sessions: Listed[]; unansweredWorkers: number[] }> {
  const res = await system('/api/v1/sessions');
  assert.equal(res.status, 200);
  return ((await res.json()) as { data: { sessions: Listed[]; unansweredWorkers: number[] } }).data;
}

/** An ffmpeg player of `stream` through the cluster, until stopped or cut. */
function play(stream: string): Child {
  const child = startPlayer(`rtmp://127.0.0.1:${ports.rtmp}/live/${stream}`);
  players.push(child);
  return child;
}

/** The log lines of sessions that ended with `reason`, by worker. */
function closedBy(reason: string): number[] {
  return node
    .output()
    .split('\n')
    .filter((line) => line.includes('"msg":"rtmp session closed"') && line.includes(`"reason":"${reason}"`))
    .map((line) => (JSON.parse(line) as { worker: number }).worker);
}

/** The status of a WHEP offer to `port` from `localAddress`, with extra headers. */
function offerStatus(port: number, localAddress: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        localAddress,
        method: 'POST',
        path: '/rtc/v1/whep/?app=live&stream=limits',
        headers: { 'content-type': 'text/plain', ...headers },
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode as number));
      },
    );
    req.on('error', reject);
    req.end('not an offer');
  });
}

/** A GET on a connection of its own (round-robin hands each new connection to the next worker). */
function getFresh(port: number, path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode as number, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** How many of `count` offers, one after another, were refused by the rate limit (429). */
async function limited(count: number, send: (i: number) => Promise<number>): Promise<number> {
  let refused = 0;
  for (let i = 0; i < count; i++) if ((await send(i)) === 429) refused++;
  return refused;
}

before(async () => {
  nginx = await startNginxRtmp();
  const started = await proxyPorts();
  ports = started.ports;
  node = startProcess(process.execPath, [bundlePath('switchyard.mjs')], {
    env: {
      PATH: process.env.PATH,
      ...started.env,
      PROXY_WORKERS: '2',
      PROXY_LOG_LEVEL: 'info',
      PROXY_GRACE_QUIT_TIMEOUT: '1s',
      PROXY_FORCE_QUIT_TIMEOUT: '10s',
    },
  });
  await waitUntilListening(node, ports);
  await waitFor('both workers', async () => node.output().includes('"msg":"cluster listening"'), 20_000, node);
});

after(async () => {
  for (const p of [...players, ...children.reverse()]) await p.stop();
  await publisher?.stop();
  await node?.stop();
  await nginx?.stop();
});

describe('cluster of two workers (PROXY_WORKERS=2)', () => {
  it('publishes and plays through both workers, with one control plane routing them', async () => {
    assert.equal((await register(ports.system, originBody('nginx', { rtmp: nginx.rtmpPort }))).status, 200);
    publisher = publishTestStream(`rtmp://127.0.0.1:${ports.rtmp}/live/cluster`, { seconds: 120 });
    // Round-robin hands connections to the workers in turn: four plays land on both.
    for (let i = 0; i < 4; i++) {
      const played = await probeUntilAv(`rtmp://127.0.0.1:${ports.rtmp}/live/cluster`);
      assert.deepEqual(played.codecs, ['aac', 'h264'], played.stderr);
    }
    const relayedBy = new Set(
      node
        .output()
        .split('\n')
        .filter((line) => line.includes('"msg":"rtmp relay started"'))
        .map((line) => (JSON.parse(line) as { worker?: number }).worker),
    );
    assert.deepEqual([...relayedBy].sort(), [1, 2], node.output().slice(-3000));
    // Non-stream requests on the HTTP port reach the primary's public app.
    const versions = await fetch(`http://127.0.0.1:${ports.http}/api/v1/versions`);
    assert.equal(versions.status, 200);
    await versions.arrayBuffer();
  });

  it("adds the workers' session counters up on the primary's /metrics", async () => {
    const text = await (await fetch(`http://127.0.0.1:${ports.system}/metrics`)).text();
    // The primary runs no RTMP listener: every RTMP session counted here was a worker's.
    const rtmpStarted = sampleValue(text, 'switchyard_sessions_started_total', { protocol: 'rtmp' });
    assert.ok(rtmpStarted >= 5, text);
    // One exposition: each family once, each series once (merged, not the processes' side by side).
    assert.equal(text.match(/^# TYPE switchyard_sessions_started_total /gm)?.length, 1);
    const series = text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.slice(0, l.lastIndexOf(' ')));
    assert.equal(new Set(series).size, series.length);
    const checked = await promtoolCheck(text);
    assert.equal(checked.code, 0, checked.output);
  });

  it('serves HLS in the workers: playlists and marked segments, each worker verifying the others’ markers', async () => {
    const body = originBody('nginx', { rtmp: nginx.rtmpPort, http: nginx.httpPort });
    assert.equal((await register(ports.system, body)).status, 200);
    await waitFor('nginx to write the playlist', async () => {
      const res = await fetch(`http://127.0.0.1:${nginx.httpPort}/live/cluster.m3u8`);
      await res.arrayBuffer();
      return res.status === 200;
    });
    const played = await probeUntilAv(`http://127.0.0.1:${ports.http}/live/cluster.m3u8`);
    assert.deepEqual(played.codecs, ['aac', 'h264'], played.stderr);
    // Each request is a new connection, handed to the workers in turn: a playlist from one, its
    // segment from the other.
    for (let i = 0; i < 4; i++) {
      const playlist = await getFresh(ports.http, '/live/cluster.m3u8');
      assert.equal(playlist.status, 200);
      const segment = playlist.body
        .toString()
        .split('\n')
        .find((line) => line.includes('.ts?sy_b='));
      assert.ok(segment, playlist.body.toString());
      const res = await getFresh(ports.http, segment);
      assert.equal(res.status, 200);
      assert.ok(res.body.length > 1000);
    }
    // A worker answers HLS itself: its failures carry its worker id (a forwarded request's would
    // be logged by the primary, which has none).
    for (let i = 0; i < 4; i++) assert.equal((await getFresh(ports.http, `/live/cluster-none-${i}.m3u8`)).status, 404);
    const failedBy = node
      .output()
      .split('\n')
      .filter((line) => line.includes('"msg":"request failed"') && line.includes('cluster-none-'))
      .map((line) => (JSON.parse(line) as { worker?: number }).worker);
    assert.deepEqual([...new Set(failedBy)].sort(), [1, 2], node.output().slice(-3000));
  });

  it("lists every worker's sessions and kicks one on the worker that owns it", async () => {
    for (let i = 0; i < 4; i++) play('cluster');
    const plays = await waitFor('four relaying players on both workers', async () => {
      const { sessions, unansweredWorkers } = await listed();
      assert.deepEqual(unansweredWorkers, []);
      const relaying = sessions.filter((s) => s.protocol === 'rtmp' && s.kind === 'play' && s.relaying);
      const workers = new Set(relaying.map((s) => /w(\d+)-/.exec(s.id)?.[1]));
      return relaying.length >= 4 && workers.has('1') && workers.has('2') ? relaying : undefined;
    });
    const node = (await (await system('/api/v1/node')).json()) as { data: { sessions: { rtmp: number } } };
    assert.ok(node.data.sessions.rtmp >= 5, JSON.stringify(node));

    const victim = plays.find((s) => s.id.includes('w2-')) as Listed;
    const kicked = await system(`/api/v1/sessions/${victim.id}`, { method: 'DELETE' });
    assert.equal(kicked.status, 200, await kicked.text());
    await waitFor('the kicked session gone', async () =>
      (await listed()).sessions.every((s) => s.id !== victim.id) ? true : undefined,
    );
    assert.deepEqual(closedBy('deleted'), [2]);
    // The others play on; a session no worker has is not found.
    const rest = (await listed()).sessions.filter((s) => plays.some((p) => p.id === s.id));
    assert.equal(rest.length, plays.length - 1);
    assert.equal((await system(`/api/v1/sessions/${victim.id}`, { method: 'DELETE' })).status, 404);
    assert.equal((await system('/api/v1/sessions/rtmp-zzzzw9-1', { method: 'DELETE' })).status, 404);
  });

  it('drains every worker: new players are refused on both, live ones go on, then it serves again', async () => {
    const before = (await listed()).sessions.filter((s) => s.kind === 'play').length;
    const drained = await system('/api/v1/node/drain', { method: 'POST' });
    const body = (await drained.json()) as { data: { state: string; unansweredWorkers: number[] } };
    assert.equal(drained.status, 200);
    assert.deepEqual(body.data.unansweredWorkers, []);
    assert.equal((await system('/api/v1/health')).status, 503);
    const metrics = await (await system('/metrics')).text();
    assert.equal(sampleValue(metrics, 'switchyard_node_draining', {}), 1);
    // Round-robin gives the new players to both workers; each refuses.
    const refused = Array.from({ length: 4 }, () => play('cluster'));
    await waitFor('four refused players', async () => (closedBy('draining').length >= 4 ? true : undefined));
    assert.deepEqual([...new Set(closedBy('draining'))].sort(), [1, 2]);
    await Promise.all(refused.map((p) => p.exited));
    assert.equal((await listed()).sessions.filter((s) => s.kind === 'play').length, before);

    const resumed = await system('/api/v1/node/drain', { method: 'DELETE' });
    assert.equal(resumed.status, 200);
    assert.equal(((await resumed.json()) as { data: { state: string } }).data.state, 'serving');
    for (let i = 0; i < 2; i++) {
      const played = await probeUntilAv(`rtmp://127.0.0.1:${ports.rtmp}/live/cluster`);
      assert.deepEqual(played.codecs, ['aac', 'h264'], played.stderr);
    }
  });

  it('rate-limits each client by its own address through a worker, and ignores a forged one', async () => {
    // The offer limit is 30 at once per address. Claimed addresses, each a fresh bucket if believed:
    const forged = (i: number) => ({
      'x-switchyard-client': `192.0.2.${i}`,
      'x-switchyard-hop': 'AAAAAAAAAAAAAAAAAAAAAA',
    });
    assert.ok((await limited(50, (i) => offerStatus(ports.api, '127.0.0.1', forged(i)))) >= 15);
    assert.ok((await limited(20, (i) => offerStatus(ports.http, '127.0.0.1', forged(i)))) >= 15);
    // Another client through the workers has its own bucket, and it is limited too.
    assert.equal(await limited(5, () => offerStatus(ports.http, '127.0.0.2')), 0);
    assert.ok((await limited(40, () => offerStatus(ports.http, '127.0.0.2'))) >= 10);
  });

  it('stops every process of the tree on SIGTERM, exit code 0', async () => {
    const tree = processTree(node.proc.pid as number);
    assert.equal(tree.length, 3, `primary and two workers: ${tree}`);
    node.proc.kill('SIGTERM');
    assert.equal(await node.exited, 0, node.output().slice(-3000));
    await waitFor('the workers to exit', async () => tree.every((pid) => !existsSync(`/proc/${pid}`)), 5000);
  });
});

describe('a cluster node in split mode (PROXY_CONTROL_URL)', () => {
  it("routes both workers' players through the remote control plane, which lists them on the node", async () => {
    const { ports: controlPorts, env: controlEnv } = await proxyPorts();
    const token = 'cluster-split-token';
    const auth = { authorization: `Bearer ${token}` };
    const control = startProcess(process.execPath, ['--import', 'tsx', 'process/control-main.ts'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, ...controlEnv, PROXY_CONTROL_TOKEN: token },
    });
    children.push(control);
    // The node announces itself at start: the control plane listens first.
    await waitForTcp(controlPorts.system, 20_000, control);
    const own = await proxyPorts();
    const split = startProcess(process.execPath, [bundlePath('switchyard.mjs')], {
      env: {
        PATH: process.env.PATH,
        ...own.env,
        PROXY_WORKERS: '2',
        PROXY_LOG_LEVEL: 'info',
        PROXY_GRACE_QUIT_TIMEOUT: '0s',
        PROXY_CONTROL_URL: `http://127.0.0.1:${controlPorts.system}`,
        PROXY_CONTROL_TOKEN: token,
        PROXY_NODE_ID: 'split-node',
        PROXY_NODE_ADMIN_URL: `http://127.0.0.1:${own.ports.system}`,
      },
    });
    children.push(split);
    await waitUntilListening(split, own.ports, { remote: true });
    await waitFor('both workers', async () => split.output().includes('"msg":"cluster listening"'), 20_000, split);
    const reg = await fetch(`http://127.0.0.1:${controlPorts.system}/api/v1/srs/register`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(originBody('nginx', { rtmp: nginx.rtmpPort })),
    });
    assert.equal(reg.status, 200);
    const url = `rtmp://127.0.0.1:${own.ports.rtmp}/live/split`;
    players.push(publishTestStream(url, { seconds: 60 }));
    for (let i = 0; i < 3; i++) players.push(startPlayer(url));
    await waitFor('sessions of both workers, listed by the control plane', async () => {
      const res = await fetch(`http://127.0.0.1:${controlPorts.system}/api/v1/sessions`, { headers: auth });
      const data = ((await res.json()) as { data: { sessions: Listed[] } }).data;
      const relaying = data.sessions.filter((s) => s.relaying && s.stream?.endsWith('/split'));
      const workers = new Set(relaying.map((s) => /w(\d+)-/.exec(s.id)?.[1]));
      return relaying.length === 4 && workers.size === 2 ? true : undefined;
    });
  });
});
