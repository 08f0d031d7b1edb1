// The error classes both planes share. Each carries a stable code and the HTTP status the
// control plane answers with; the data plane uses the code in logs and close reasons.

export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable'
  | 'no_backend'
  | 'draining'
  | 'upstream'
  | 'protocol'
  | 'internal'
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

export class ForbiddenError extends SwitchyardError {
  constructor(message: string) {
    super('forbidden', 403, message);
  }
}

export class NotFoundError extends SwitchyardError {
  constructor(message: string) {
    super('not_found', 404, message);
  }
}

export class MethodNotAllowedError extends SwitchyardError {
  /** The methods the resource does take, for the Allow header. */
  readonly allow: string;

  constructor(allow: string, message: string) {
    super('method_not_allowed', 405, message);
    this.allow = allow;
  }
}

/** The thing exists and belongs to someone else (a backend slot registered from another address). */
export class ConflictError extends SwitchyardError {
  constructor(message: string) {
    super('conflict', 409, message);
  }
}

export class PayloadTooLargeError extends SwitchyardError {
  constructor(message: string) {
    super('payload_too_large', 413, message);
  }
}

export class UnsupportedMediaTypeError extends SwitchyardError {
  constructor(message: string) {
    super('unsupported_media_type', 415, message);
  }
}

export class RateLimitedError extends SwitchyardError {
  /** Seconds until a retry can succeed, for the Retry-After header. */
  readonly retryAfterS: number;

  constructor(message: string, retryAfterS: number) {
    super('rate_limited', 429, message);
    this.retryAfterS = retryAfterS;
  }
}

/** A dependency is down or full (the store did not answer in time, a table is full); retry later. */
export class UnavailableError extends SwitchyardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unavailable', 503, message, options);
  }
}

/** No live backend can serve the stream over the asked protocol. */
export class NoBackendError extends SwitchyardError {
  constructor(message: string) {
    super('no_backend', 503, message);
  }
}

/** This node is draining: it takes no new sessions (clients should use another node). */
export class DrainingError extends SwitchyardError {
  constructor() {
    super('draining', 503, 'this node is draining and takes no new sessions; connect to another node');
  }
}

/**
 * A backend (or the remote control plane) failed or answered something unusable. `status` keeps
 * an origin's own 4xx/5xx where the client should see it (WHIP refused, HLS 404); default 502.
 */
export class UpstreamError extends SwitchyardError {
  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super('upstream', options?.status ?? 502, message, options);
  }
}

/** A peer sent bytes that break the protocol; closes that one session. */
export class ProtocolError extends SwitchyardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('protocol', 400, message, options);
  }
}

/** A bug or an unexpected failure; the client learns nothing more than this. */
export class InternalError extends SwitchyardError {
  constructor(options?: { cause?: unknown }) {
    super('internal', 500, 'internal error', options);
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

/** The JSON body of every error answer, from the control plane and the data plane's HTTP port. */
export interface ErrorBody {
  code: number;
  error: string;
  message: string;
}

export function errorBody(err: SwitchyardError): ErrorBody {
  return { code: err.status, error: err.code, message: err.message };
}
