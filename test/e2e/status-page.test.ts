// The status page in a real headless browser: Debian's chromium driven by playwright-core (no
// browser is downloaded) loads GET / from a Switchyard (`npm start`'s entry) with a control
// token, an nginx-rtmp origin and a live ffmpeg stream, and must show the stream, its origin and
// a failed request. The screenshot goes to the test's temp dir (SAVE_DOCS_SCREENSHOT=1 also
// writes docs/img/status-page.png).
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.ts';
import { publishTestStream } from '../helpers/ffmpeg.ts';
import { type NginxOrigin, startNginxRtmp } from '../helpers/nginx-rtmp.ts';
import { type Child, waitFor } from '../helpers/processes.ts';
import { originBody, register, type SwitchyardProcess, startSwitchyard } from '../helpers/switchyard.ts';

const TOKEN = 'status-page-token';
let nginx: NginxOrigin;
let sy: SwitchyardProcess;
let publisher: Child;
let browser: Browser;

before(async () => {
  [nginx, sy] = await Promise.all([startNginxRtmp(), startSwitchyard({ PROXY_CONTROL_TOKEN: TOKEN })]);
  await register(sy.systemPort, originBody('nginx-origin', { rtmp: nginx.rtmpPort, http: nginx.httpPort }));
  publisher = publishTestStream(`rtmp://127.0.0.1:${sy.rtmpPort}/live/pagecam`, { seconds: 120 });
  await waitFor('the stream to relay', async () => sy.process.output().includes('rtmp relay started'));
  // One failed request for the errors table: the origin has no such playlist.
  await (await fetch(`http://127.0.0.1:${sy.httpPort}/live/pagecam-missing.m3u8`)).arrayBuffer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await publisher?.stop();
  await Promise.all([sy?.stop(), nginx?.stop()]);
});

describe('status page in Chromium', () => {
  it('shows backends, the live stream with its origin, this node and recent errors', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(`http://127.0.0.1:${sy.systemPort}/`);
    // Without the token the APIs answer 401 and the page asks for it.
    await page.locator('#token-form').waitFor({ state: 'visible', timeout: 10_000 });
    await page.fill('#token', TOKEN);
    await page.click('#token-form button');

    const backends = page.locator('#backends tbody');
    await backends.getByText('nginx-origin').waitFor({ timeout: 10_000 });
    assert.match(await backends.innerText(), /nginx-origin\s+127\.0\.0\.1\s+alive/);
    const streams = await page.locator('#streams tbody').innerText();
    assert.match(streams, /__defaultVhost__\/live\/pagecam\s+nginx-origin/);
    assert.match(await page.locator('#nodes tbody').innerText(), /\(this node\)\s+127\.0\.0\.1\s+serving\s+rtmp 1/);
    assert.match(await page.locator('#errors tbody').innerText(), /\/live\/pagecam-missing\.m3u8/);

    const dir = mkdtempSync(join(tmpdir(), 'switchyard-status-page-'));
    const shot = join(dir, 'status-page.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000, 'a screenshot with content');
    console.log(`status page screenshot: ${shot}`);
    if (process.env.SAVE_DOCS_SCREENSHOT === '1') {
      copyFileSync(shot, fileURLToPath(new URL('../../docs/img/status-page.png', import.meta.url)));
    }
  });
});
