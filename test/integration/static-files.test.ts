// PROXY_STATIC_FILES: served on the HTTP stream port; a missing directory stops start-up.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startSwitchyard } from '../helpers/switchyard.ts';

const dir = mkdtempSync(join(tmpdir(), 'sy-static-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('static files', () => {
  it('serves files from PROXY_STATIC_FILES next to the streams', async () => {
    writeFileSync(join(dir, 'player.html'), '<h1>player</h1>');
    const sy = await startSwitchyard({ PROXY_STATIC_FILES: dir });
    try {
      const res = await fetch(`http://127.0.0.1:${sy.httpPort}/player.html`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), '<h1>player</h1>');
      const traversal = await fetch(`http://127.0.0.1:${sy.httpPort}/..%2f..%2fetc%2fpasswd`);
      assert.notEqual(traversal.status, 200);
      await traversal.arrayBuffer();
    } finally {
      await sy.stop();
    }
  });

  it('refuses to start when PROXY_STATIC_FILES names a missing directory', async () => {
    await assert.rejects(startSwitchyard({ PROXY_STATIC_FILES: join(dir, 'missing') }), /PROXY_STATIC_FILES/);
  });
});
