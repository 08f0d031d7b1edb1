// A control app over a memory store with an injectable clock, driven with app.request().
import { createControlApp } from '../../control/app.ts';
import type { ControlDeps } from '../../control/context.ts';
import { MemoryStore } from '../../control/store/memory-store.ts';
import type { BackendStore } from '../../control/store/store.ts';
import { createLogger } from '../../shared/log.ts';

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
    rtcCandidate?: ControlDeps['rtcCandidate'];
    onRtcSessionDeleted?: ControlDeps['onRtcSessionDeleted'];
  } = {},
): TestControl {
  const clock = { now: 1_800_000_000_000 };
  const store = options.store ?? new MemoryStore({ aliveMs: 300_000, streamTtlMs: 3_600_000 });
  const app = createControlApp({
    store,
    logger: createLogger('silent'),
    identity: { server: 'vid-test', service: 'svc', pid: '4242' },
    aliveMs: 300_000,
    registerSecret: options.registerSecret,
    controlToken: options.controlToken,
    now: () => clock.now,
    random: () => 0,
    fetch: options.fetch,
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
