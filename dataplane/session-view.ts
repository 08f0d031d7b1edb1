// What the operator's sessions view shows of one session, whatever its protocol, and the error a
// kicked session is ended with (close reason `deleted`).

import type { SessionProtocol } from './session-metrics.ts';

export interface SessionView {
  /** The `cid` of the session's log lines. */
  id: string;
  protocol: SessionProtocol;
  /** publish or play, once known. */
  kind?: string;
  stream?: string;
  /** `address:port` of the client. */
  client: string;
  backend?: string;
  bytesIn: number;
  bytesOut: number;
  ageMs: number;
  relaying: boolean;
}

/** Destroys a session's client connection when an operator kicks it; its close line says `deleted`. */
export class SessionDeletedError extends Error {
  constructor() {
    super('kicked by an operator');
    this.name = 'SessionDeletedError';
  }
}
