// The WHIP/WHEP check page in Debian's chromium (playwright-core, a fake camera): the page
// publishes over WHIP through Switchyard to a werift WebRTC origin, which must receive RTP, and
// plays the stream back over WHEP until the browser counts RTP packets received. (The werift test
// origin forwards packets as they come, without answering keyframe requests, so whether Chromium
// decodes a picture is not what this checks.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.ts';
import { waitFor } from '../helpers/processes.ts';
import { register, type SwitchyardProcess, startSwitchyard } from '../helpers/switchyard.ts';
import { startWebRtcOrigin, type WebRtcOrigin } from '../helpers/werift-origin.ts';

let origin: WebRtcOrigin;
let sy: SwitchyardProcess;
let browser: Browser;

before(async () => {
  [origin, sy] = await Promise.all([startWebRtcOrigin(), startSwitchyard()]);
  const body = { ip: '127.0.0.1', server: 'werift', service: 's', pid: '1', rtmp: ['1'], api: [String(origin.port)] };
  assert.equal((await register(sy.systemPort, body)).status, 200);
  browser = await launchChromium(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
});

after(async () => {
  await browser?.close();
  await sy?.stop();
  await origin?.stop();
});

describe('WHIP/WHEP check page in Chromium', () => {
  it('publishes the camera to the origin and plays it back through Switchyard', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${sy.apiPort}/players/rtc.html`);
    await page.fill('#stream', 'browsercam');
    await page.click('#publish');
    const atOrigin = async () => (origin.received.get('live/browsercam') ?? 0) > 20;
    await waitFor('RTP from the browser at the origin', atOrigin, 20_000);
    assert.equal(await page.textContent('#publish-state'), 'connected');
    await page.click('#play');
    type Check = { player: { packets(): Promise<{ received: number }> } };
    const received = () =>
      page.evaluate(
        async () => (await (globalThis as unknown as { rtcCheck: Check }).rtcCheck.player.packets()).received,
      );
    await waitFor('RTP at the browser player', async () => (await received()) > 20, 20_000);
    assert.equal(await page.textContent('#play-state'), 'connected');
    await page.click('#stop');
    // Polled from here: the page's CSP forbids the eval a string predicate needs.
    const stopped = (id: string) => async () => (await page.textContent(id))?.startsWith('stopped');
    await waitFor('player stopped', stopped('#play-state'), 10_000);
    assert.equal(await page.textContent('#play-state'), 'stopped (DELETE 200)');
    await page.click('#unpublish');
    await waitFor('publisher stopped', stopped('#publish-state'), 10_000);
    assert.equal(await page.textContent('#publish-state'), 'stopped (DELETE 200)');
    await waitFor('both sessions deleted at the origin', async () => origin.deleted.length === 2, 10_000);
  });
});
