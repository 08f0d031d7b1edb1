// What a node tells the control plane about origins it could not reach, so placement avoids a
// failing origin within one request instead of one heartbeat TTL. A failed connect (refused,
// timeout) is reported at once; a relay that lost its origin (which also happens when a stream
// merely ends) first probes the origin's port and reports only if that fails.

import { connect } from 'node:net';
import { errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import type { ControlClient } from './control-client.ts';

export const PROBE_TIMEOUT_MS = 1_000;
/** One report per backend per second is enough; a crash fails every session at once. */
const REPORT_INTERVAL_MS = 1_000;
const MAX_TRACKED = 1_000;

export interface BackendAddress {
  id: string;
  host: string;
  port: number;
}

/** Whether a TCP connection to the address opens within `timeoutMs`. */
export function probeTcp(host: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export class BackendHealth {
  private readonly reported = new Map<string, number>();

  constructor(
    private readonly control: ControlClient,
    private readonly log: Logger,
  ) {}

  /** The origin refused or did not answer: report now (resolves once the control plane knows). */
  async connectFailed(backend: BackendAddress, detail: string): Promise<void> {
    await this.report(backend.id, detail);
  }

  /**
   * A live publish lost its origin: report now, without the probe. An origin does not end a
   * publisher's stream by itself, and a port probe right after a kill -9 can still reach the
   * dying process's listening socket.
   */
  async publishCut(backend: BackendAddress, detail: string): Promise<void> {
    await this.report(backend.id, detail);
  }

  /** A relay lost its origin: report it if its port no longer answers. */
  async relayLost(backend: BackendAddress, detail: string): Promise<void> {
    if (await probeTcp(backend.host, backend.port)) return;
    await this.report(backend.id, `${detail}; probe failed`);
  }

  private async report(id: string, detail: string): Promise<void> {
    const now = Date.now();
    if (now - (this.reported.get(id) ?? 0) < REPORT_INTERVAL_MS) return;
    if (this.reported.size >= MAX_TRACKED) this.reported.clear();
    this.reported.set(id, now);
    try {
      await this.control.reportBackend(id, false, detail);
      this.log.warn('backend failure reported', { backend: id, detail });
    } catch (err) {
      this.log.warn('backend failure report failed', { backend: id, detail: errorMessage(err) });
    }
  }
}
