// A control app over a memory store with an injectable clock, driven with app.request().
import { createControlApp } from '../../control/app.ts';
import type { ControlDeps } from '../../control/context.ts';
import { MemoryStore } from '../../control/store/memory-store.ts';
import type { BackendStore } from '../../control/store/store.ts';
import { createLogger, type Logger } from '../../shared/log.ts';
import { DEFAULT_BACKEND_NETWORKS, NetworkList } from '../../shared/networks.ts';
import { Signer } from '../../shared/signer.ts';

/** The key test control apps sign with, so tests can make the markers a playlist would carry. */
export const TEST_SIGNER = new Signer('test-signing-key');

/**
 * The default origin networks plus 192.0.2.0/24, the documentation range SRS put in the captured
 * heartbeat (its own guess of its address on the capture machine).
 */
export const TEST_NETWORKS = new NetworkList(`${DEFAULT_BACKEND_NETWORKS},192.0.2.0/24`);

export interface TestControl {
  app: ReturnType<typeof createControlApp>;
  store: BackendStore;
  clock: { now: number };
}

export function testControl(
  options: {
    registerSecret?: string;
    controlToken?: string;
    store?: BackendStore;
    fetch?: (input: string, init?: RequestInit) => Promise<Response>;
    logger?: Logger;
    rtcCandidate?: ControlDeps['rtcCandidate'];
    onRtcSessionDeleted?: ControlDeps['onRtcSessionDeleted'];
    originReach?: ControlDeps['originReach'];
  } = {},
): TestControl {
  const clock = { now: 1_800_000_000_000 };
  const store =
    options.store ?? new MemoryStore({ aliveMs: 300_000, streamTtlMs: 3_600_000, rtcSessionTtlMs: 120_000 });
  const app = createControlApp({
    store,
    logger: options.logger ?? createLogger('silent'),
    identity: { server: 'vid-test', service: 'svc', pid: '4242' },
    aliveMs: 300_000,
    registerSecret: options.registerSecret,
    controlToken: options.controlToken,
    now: () => clock.now,
    random: () => 0,
    fetch: options.fetch,
    originReach: options.originReach,
    signer: TEST_SIGNER,
    backendNetworks: TEST_NETWORKS,
    rtcCandidate: options.rtcCandidate,
    onRtcSessionDeleted: options.onRtcSessionDeleted,
  });
  return { app, store, clock };
}

export function postJson(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}
