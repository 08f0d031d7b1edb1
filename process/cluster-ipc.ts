// The messages between a cluster's primary and its workers (node:cluster IPC), and the loopback
// URL at which a worker reaches one of the primary's HTTP listeners. The primary asks, a worker
// answers with the question's id; the primary gives up on a worker after a timeout.

import type { SessionCounts } from '../dataplane/session-list.ts';
import type { SessionView } from '../dataplane/session-view.ts';
import type { ListenAddress } from '../shared/config.ts';

/** What the primary asks a worker, and what each question is answered with. */
export type Question =
  | { kind: 'metrics' }
  | { kind: 'sessions' }
  | { kind: 'counts' }
  | { kind: 'kick'; session: string }
  | { kind: 'drain'; draining: boolean };
export interface Answers {
  /** Its metrics exposition. */
  metrics: string;
  sessions: SessionView[];
  counts: SessionCounts;
  /** True when it had and closed the session. */
  kick: boolean;
  /** True once it is in the asked state (false: a shutdown drain cannot be undone). */
  drain: boolean;
}

export type ToWorker = { sy: 'ask'; id: number; question: Question } | { sy: 'shutdown' };
export type ToPrimary = { sy: 'ready' } | { sy: 'answer'; id: number; answer: Answers[keyof Answers] };

/** The environment variable carrying the cluster's per-boot hop secret to its workers. */
export const HOP_SECRET_ENV = 'SWITCHYARD_CLUSTER_HOP_SECRET';

export function isClusterMessage<T extends { sy: string }>(message: unknown): message is T {
  return typeof message === 'object' && message !== null && typeof (message as { sy?: unknown }).sy === 'string';
}

/** The primary's listener as seen from the same host: a wildcard bind is reached on loopback. */
export function loopbackUrl(address: ListenAddress): string {
  const host = address.host;
  if (!host || host === '0.0.0.0') return `http://127.0.0.1:${address.port}`;
  if (host === '::') return `http://[::1]:${address.port}`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
