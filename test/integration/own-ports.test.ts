// Tests run in parallel on one machine: a Switchyard under test must listen on the free ports its
// test picked and nowhere else (no listener left on a default port such as SRT's 20080).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listeningPorts } from '../helpers/listening-ports.ts';
import { ownListeners, startSwitchyard } from '../helpers/switchyard.ts';

describe('test Switchyards keep to their own ports', () => {
  it('listens on exactly the seven ports the helper chose', async () => {
    const sy = await startSwitchyard();
    try {
      assert.deepEqual(listeningPorts(sy.process.proc.pid as number), ownListeners(sy.ports));
    } finally {
      await sy.stop();
    }
  });

  it('a node with a remote control plane listens on its data-plane ports and its own system port (health, drain, metrics) only', async () => {
    const control = await startSwitchyard();
    const node = await startSwitchyard({ PROXY_CONTROL_URL: `http://127.0.0.1:${control.systemPort}` });
    try {
      assert.deepEqual(listeningPorts(node.process.proc.pid as number), ownListeners(node.ports, { remote: true }));
    } finally {
      await node.stop();
      await control.stop();
    }
  });
});
