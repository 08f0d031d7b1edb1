// The process as an operator runs it: a busy port names its variable and leaves nothing open,
// and `npm start` stops on a SIGTERM sent to npm (no child left holding the ports).

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startNode } from '../../process/node.ts';
import { parseConfig } from '../../shared/config.ts';
import { ConfigError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/log.ts';
import { proxyPorts } from '../helpers/ports.ts';
import { startProcess, waitFor, waitForTcp } from '../helpers/processes.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** True when a TCP listener could take the port right now. */
function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('start-up failure', () => {
  it('names the busy variable and closes every listener it had opened', async () => {
    const { ports, env } = await proxyPorts();
    // Hold the SRT port, the last listener the node opens.
    const squatter = createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(ports.srt, '127.0.0.1', () => resolve()));
    after(() => squatter.close());
    const config = parseConfig(env);
    const err = await startNode(config, createLogger('silent')).then(
      () => assert.fail('start-up should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.message, `PROXY_SRT_SERVER=127.0.0.1:${ports.srt} is in use`);
    for (const port of [ports.system, ports.api, ports.rtmp, ports.rtsp, ports.http]) {
      assert.equal(await tcpFree(port), true, `port ${port} left open`);
    }
  });

  it('names PROXY_RTSP_SERVER when the RTSP port is taken, and closes RTMP opened before it', async () => {
    const { ports, env } = await proxyPorts();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(ports.rtsp, '127.0.0.1', () => resolve()));
    after(() => squatter.close());
    const err = await startNode(parseConfig(env), createLogger('silent')).then(
      () => assert.fail('start-up should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.message, `PROXY_RTSP_SERVER=127.0.0.1:${ports.rtsp} is in use`);
    for (const port of [ports.system, ports.api, ports.rtmp]) {
      assert.equal(await tcpFree(port), true, `port ${port} left open`);
    }
  });
});

describe('npm start', () => {
  it('stops when npm gets SIGTERM, releasing every port', { timeout: 60_000 }, async () => {
    const { ports, env } = await proxyPorts();
    const npm = startProcess('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { ...process.env, ...env, PROXY_LOG_LEVEL: 'info' },
    });
    after(() => npm.stop());
    await waitForTcp(ports.system, 30_000);
    await waitForTcp(ports.rtmp, 10_000);
    npm.proc.kill('SIGTERM');
    await npm.exited;
    await waitFor('ports released', async () => (await tcpFree(ports.system)) && (await tcpFree(ports.rtmp)), 10_000);
    assert.match(npm.output(), /"msg":"shutting down"/);
  });
});
