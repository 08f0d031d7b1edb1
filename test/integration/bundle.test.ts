// `npm run build` gives one file per deployable; the node bundle runs with plain `node`, away
// from node_modules, as a cluster of one worker per core by default (PROXY_WORKERS), and shuts
// down gracefully on SIGTERM.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { processTree } from '../../bench/proc-stats.ts';
import { bundlePath } from '../helpers/bundle.ts';
import { listeningPorts } from '../helpers/listening-ports.ts';
import { proxyPorts } from '../helpers/ports.ts';
import { startProcess, waitFor, waitForTcp } from '../helpers/processes.ts';
import { ownListeners, waitUntilListening } from '../helpers/switchyard.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sy-bundle-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('deployable bundles', () => {
  it('builds dist/switchyard.mjs and dist/worker.js', () => {
    for (const file of ['switchyard.mjs', 'worker.js'] as const) assert.ok(statSync(bundlePath(file)).size > 10_000);
  });

  it('passes wrangler deploy --dry-run with wrangler.toml', () => {
    const out = execFileSync(
      join(ROOT, 'node_modules/.bin/wrangler'),
      ['deploy', '--dry-run', '--outdir', join(dir, 'wrangler')],
      {
        cwd: ROOT,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
        stdio: 'pipe',
        timeout: 120_000,
      },
    ).toString();
    assert.match(out, /dry-run: exiting now/);
    assert.ok(statSync(join(dir, 'wrangler', 'worker.js')).size > 10_000);
  });

  it('runs the node bundle without node_modules, one worker per core, and drains on SIGTERM', async () => {
    copyFileSync(bundlePath('switchyard.mjs'), join(dir, 'switchyard.mjs'));
    const { ports, env: portEnv } = await proxyPorts();
    const { rtmp, http, system } = ports;
    const proc = startProcess(process.execPath, ['switchyard.mjs'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        ...portEnv,
        PROXY_GRACE_QUIT_TIMEOUT: '1500ms',
        PROXY_FORCE_QUIT_TIMEOUT: '5s',
      },
    });
    // Stopped whatever happens: a failed assertion must not leave it holding the test process open.
    let held: Socket | undefined;
    try {
      await waitUntilListening(proc, ports);
      // The default PROXY_WORKERS: every core (one process on a one-core machine).
      const cores = availableParallelism();
      if (cores > 1)
        await waitFor('the workers', async () => proc.output().includes('"msg":"cluster listening"'), 20_000);
      const tree = processTree(proc.proc.pid as number);
      assert.equal(tree.length, cores > 1 ? cores + 1 : 1, `processes: ${tree}`);
      // Workers run with a small young generation unless the operator set one.
      for (const pid of tree.slice(1))
        assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /--max-semi-space-size=1\0/);
      assert.deepEqual(listeningPorts(proc.proc.pid as number), ownListeners(ports), 'listens on its own ports only');
      const versions = (await (await fetch(`http://127.0.0.1:${system}/api/v1/versions`)).json()) as { code: number };
      assert.equal(versions.code, 0);
      const onHttpPort = await fetch(`http://127.0.0.1:${http}/api/v1/versions`);
      assert.equal(onHttpPort.status, 200);
      await onHttpPort.arrayBuffer();

      // An idle RTMP client holds a session open; SIGTERM must stop accepting, wait the grace period, then exit.
      held = connect(rtmp, '127.0.0.1');
      held.on('error', () => {});
      await new Promise((r) => held?.once('connect', r));
      const started = Date.now();
      proc.proc.kill('SIGTERM');
      await waitFor(
        'listener closed',
        async () => {
          try {
            await waitForTcp(rtmp, 200);
            return false;
          } catch {
            return true;
          }
        },
        3000,
      );
      const code = await proc.exited;
      const took = Date.now() - started;
      assert.equal(code, 0, proc.output());
      assert.ok(took >= 1400 && took < 4500, `exit after ${took} ms`);
    } finally {
      held?.destroy();
      await proc.stop();
    }
  });
});
