// PROXY_STATIC_FILES: served on the HTTP stream port; a missing directory stops start-up.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startSwitchyard } from '../helpers/switchyard.ts';

const dir = mkdtempSync(join(tmpdir(), 'sy-static-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('static files', () => {
  it('serves files from PROXY_STATIC_FILES next to the streams', async () => {
    const root = join(dir, 'public');
    mkdirSync(root);
    writeFileSync(join(root, 'player.html'), '<h1>player</h1>');
    // A real file just outside the served folder: what a traversal would reach.
    writeFileSync(join(dir, 'secret.txt'), 'not for clients');
    const sy = await startSwitchyard({ PROXY_STATIC_FILES: root });
    try {
      const res = await fetch(`http://127.0.0.1:${sy.httpPort}/player.html`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), '<h1>player</h1>');
      for (const path of [
        '/..%2fsecret.txt',
        '/%2e%2e/secret.txt',
        '/..%5csecret.txt',
        '/public/..%2f..%2fsecret.txt',
      ]) {
        const traversal = await fetch(`http://127.0.0.1:${sy.httpPort}${path}`);
        const body = await traversal.text();
        // Not a static file, so the control app's JSON 404 answers, as for any unknown path.
        assert.equal(traversal.status, 404, `${path}: ${body}`);
        assert.match(body, /"error":"not_found"/);
      }
    } finally {
      await sy.stop();
    }
  });

  it('refuses to start when PROXY_STATIC_FILES names a missing directory', async () => {
    const started = Date.now();
    await assert.rejects(
      startSwitchyard({ PROXY_STATIC_FILES: join(dir, 'missing') }),
      /exited with code 1 [\s\S]*config error: PROXY_STATIC_FILES=".*missing" is not a directory/,
    );
    // The helper notices the exit at once instead of probing dead ports until its timeout.
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });
});
