// The error classes both planes share. Each carries a stable code and the HTTP status the
// control plane answers with; the data plane uses the code in logs and close reasons.

export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'not_found'
  | 'payload_too_large'
  | 'no_backend'
  | 'upstream'
  | 'protocol'
  | 'config';

export class SwitchyardError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
  }
}

export class BadRequestError extends SwitchyardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_request', 400, message, options);
  }
}

export class UnauthorizedError extends SwitchyardError {
  constructor(message: string) {
    super('unauthorized', 401, message);
  }
}

export class NotFoundError extends SwitchyardError {
  constructor(message: string) {
    super('not_found', 404, message);
  }
}

export class PayloadTooLargeError extends SwitchyardError {
  constructor(message: string) {
    super('payload_too_large', 413, message);
  }
}

/** No live backend can serve the stream over the asked protocol. */
export class NoBackendError extends SwitchyardError {
  constructor(message: string) {
    super('no_backend', 503, message);
  }
}

/** A backend (or the remote control plane) failed or answered something unusable. */
export class UpstreamError extends SwitchyardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('upstream', 502, message, options);
  }
}

/** A peer sent bytes that break the protocol; closes that one session. */
export class ProtocolError extends SwitchyardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('protocol', 400, message, options);
  }
}

/** A setting is missing or invalid; start-up stops with this message. */
export class ConfigError extends SwitchyardError {
  constructor(message: string) {
    super('config', 500, message);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
