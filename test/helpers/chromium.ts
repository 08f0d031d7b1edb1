// Debian's chromium for browser tests, driven by playwright-core: nothing is downloaded, and the
// browser makes no network request of its own (background networking, updates, sync off).
import { type Browser, chromium } from 'playwright-core';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** `extraFlags`: e.g. a fake camera for WebRTC pages. */
export function launchChromium(extraFlags: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...FLAGS, ...extraFlags] });
}
