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

export function errorAnswer(err: SwitchyardError): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (err instanceof MethodNotAllowedError) headers.allow = err.allow;
  if (err instanceof RateLimitedError) headers['retry-after'] = String(err.retryAfterS);
  return new Response(JSON.stringify(errorBody(err)), { status: err.status, headers });
}

/** The request path as it may appear in logs: registration secrets travel in the path. */
export function loggablePath(path: string): string {
  return path.replace(/^(\/api\/v1\/srs\/register\/).+$/, '$1***');
}

function logFailure(logger: Logger, c: Context, err: SwitchyardError, cause: unknown): void {
  const fields: Record<string, unknown> = {
    status: err.status,
    error: err.code,
    detail: err.message,
    method: c.req.method,
    path: loggablePath(c.req.path),
  };
  const stream = c.get('stream' as never) as string | undefined;
  if (stream) fields.stream = stream;
  const backend = c.get('backend' as never) as string | undefined;
  if (backend) fields.backend = backend;
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
    logFailure(logger, c, mapped, err instanceof InternalError ? err.cause : err);
    return errorAnswer(mapped);
  };
  app.notFound((c) => answer(new NotFoundError(`no route for ${c.req.method} ${loggablePath(c.req.path)}`), c));
  app.onError(answer);
}
