// Why a data-plane session ended: a small fixed set of codes (stable log fields, later metric
// labels for "session failures by reason"), always paired with a free-text detail.

import { SwitchyardError } from '../shared/errors.ts';
import type { LogFields, Logger } from '../shared/log.ts';
import { sessionMetrics } from './session-metrics.ts';

export const CLOSE_REASONS = [
  /** The client hung up, reset the connection or sent a protocol shutdown. */
  'client_gone',
  /** The origin hung up, ended the stream or its socket failed after the relay started. */
  'backend_gone',
  /** The control plane has no live origin for the stream over this protocol. */
  'no_backend',
  /** The origin refused the connection or the stream, or answered something unusable. */
  'backend_refused',
  /** The origin did not complete its handshake or answer in time. */
  'backend_timeout',
  /** The operator's hook URL refused the publish/play (edge auth). */
  'denied',
  /** The control plane could not be asked (unreachable, error status). */
  'control_unavailable',
  /** The client sent something the protocol does not allow (malformed, oversized, bad name). */
  'bad_input',
  /** The client did not get to publish/play in time. */
  'client_timeout',
  /** A player read nothing: its write backlog did not drain within PROXY_WRITE_STALL_TIMEOUT. */
  'client_stalled',
  /** No datagram from the client for the idle timeout. */
  'idle',
  /** Ended through the control plane (WebRTC DELETE, here or on another instance). */
  'deleted',
  /** The node is shutting down. */
  'shutdown',
  /** A session table is full. */
  'overloaded',
  /** The node is draining (operator or SIGTERM): it takes no new sessions. */
  'draining',
] as const;

export type CloseReason = (typeof CLOSE_REASONS)[number];

/** Ends that point at the origins or the control plane, not at one client: logged as warnings. */
const OPERATOR_FAILURES: ReadonlySet<CloseReason> = new Set<CloseReason>([
  'no_backend',
  'backend_refused',
  'backend_timeout',
  'control_unavailable',
  'overloaded',
]);

/** The reason a session ends when asking the control plane for its route failed. */
export function routeFailure(err: unknown): CloseReason {
  if (err instanceof SwitchyardError && err.code === 'forbidden') return 'denied';
  if (err instanceof SwitchyardError && (err.code === 'no_backend' || err.code === 'draining')) return err.code;
  return 'control_unavailable';
}

/** The one line a session writes when it ends: `{msg, reason, detail, ...fields}`. */
export function logClose(log: Logger, msg: string, reason: CloseReason, detail: string, fields?: LogFields): void {
  const line = { reason, detail, ...fields };
  sessionMetrics.ended(msg, reason, fields);
  if (OPERATOR_FAILURES.has(reason)) log.warn(msg, line);
  else log.info(msg, line);
}
