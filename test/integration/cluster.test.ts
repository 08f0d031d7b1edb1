// The node bundle as a cluster (PROXY_WORKERS=2) in front of a real nginx-rtmp origin: RTMP plays
// are served by both workers, the one control plane in the primary routes them, /metrics adds up
// the workers' counters, and SIGTERM stops every process of the tree with exit code 0.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { processTree } from '../../bench/proc-stats.ts';
import { bundlePath } from '../helpers/bundle.ts';
import { probeUntilAv, publishTestStream } from '../helpers/ffmpeg.ts';
import { type NginxOrigin, startNginxRtmp } from '../helpers/nginx-rtmp.ts';
import { proxyPorts } from '../helpers/ports.ts';
import { type Child, startProcess, waitFor } from '../helpers/processes.ts';
import { promtoolCheck, sampleValue } from '../helpers/prometheus.ts';
import { originBody, register, waitUntilListening } from '../helpers/switchyard.ts';

let nginx: NginxOrigin;
let node: Child;
let publisher: Child | undefined;
let ports: Awaited<ReturnType<typeof proxyPorts>>['ports'];

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

  it('stops every process of the tree on SIGTERM, exit code 0', async () => {
    const tree = processTree(node.proc.pid as number);
    assert.equal(tree.length, 3, `primary and two workers: ${tree}`);
    node.proc.kill('SIGTERM');
    assert.equal(await node.exited, 0, node.output().slice(-3000));
    await waitFor('the workers to exit', async () => tree.every((pid) => !existsSync(`/proc/${pid}`)), 5000);
  });
});
