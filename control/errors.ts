// The one place control-plane errors become answers. Routes throw; this maps every error to the
// shared JSON body and logs each 4xx (warn) and 5xx (error) once, with its code and the stream and
// backend when known.

import type { Context, Env, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import {
  BadRequestError,
  errorBody,
  InternalError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  SwitchyardError,
  UnauthorizedError,
} from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';

/** Routes that know their stream (and its backend) set them, so the error log line can name them. */
export type StreamVariable = { stream?: string; backend?: string };

function fromHttpException(err: HTTPException): SwitchyardError {
  const message = err.message || 'request rejected';
  if (err.status === 413) return new PayloadTooLargeError(message);
  if (err.status === 401) return new UnauthorizedError(message);
  if (err.status === 404) return new NotFoundError(message);
  if (err.status >= 400 && err.status < 500) return new BadRequestError(message, { cause: err });
  return new InternalError({ cause: err });
}

export function toSwitchyardError(err: unknown): SwitchyardError {
  if (err instanceof SwitchyardError) return err;
  if (err instanceof HTTPException) return fromHttpException(err);
  return new InternalError({ cause: err });
}

/** The answer to an error as plain parts, for transports without Response (the Node HLS fast path). */
export function errorParts(err: SwitchyardError): { status: number; headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (err instanceof MethodNotAllowedError) headers.allow = err.allow;
  if (err instanceof RateLimitedError) headers['retry-after'] = String(err.retryAfterS);
  return { status: err.status, headers, body: JSON.stringify(errorBody(err)) };
}

export function errorAnswer(err: SwitchyardError): Response {
  const { status, headers, body } = errorParts(err);
  return new Response(body, { status, headers });
}

/** The request path as it may appear in logs: registration secrets travel in the path. */
export function loggablePath(path: string): string {
  return path.replace(/^(\/api\/v1\/srs\/register\/).+$/, '$1***');
}

/** What a failure's log line says about its request. */
export interface FailedRequest extends StreamVariable {
  method: string;
  path: string;
}

/** Logs a failed request once: 4xx as warn, 5xx as error, with the cause of an internal error. */
export function logFailure(logger: Logger, req: FailedRequest, err: SwitchyardError, cause: unknown): void {
  const fields: Record<string, unknown> = {
    status: err.status,
    error: err.code,
    detail: err.message,
    method: req.method,
    path: loggablePath(req.path),
  };
  if (req.stream) fields.stream = req.stream;
  if (req.backend) fields.backend = req.backend;
  if (err.code === 'internal') {
    fields.err = String(cause);
    // Inside the JSON line, never printed raw.
    fields.stack = (cause as Error)?.stack;
  }
  if (err.status >= 500) logger.error('request failed', fields);
  else logger.warn('request failed', fields);
}

/** Installs the not-found answer and the error mapper on an app (the control app, or HLS on a node). */
export function answerErrorsAsJson<E extends Env>(app: Hono<E>, logger: Logger): void {
  const answer = (err: unknown, c: Context<E>) => {
    const mapped = toSwitchyardError(err);
    const req = {
      method: c.req.method,
      path: c.req.path,
      stream: c.get('stream' as never) as string | undefined,
      backend: c.get('backend' as never) as string | undefined,
    };
    logFailure(logger, req, mapped, err instanceof InternalError ? err.cause : err);
    return errorAnswer(mapped);
  };
  app.notFound((c) => answer(new NotFoundError(`no route for ${c.req.method} ${loggablePath(c.req.path)}`), c));
  app.onError(answer);
}
