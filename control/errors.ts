// The one place control-plane errors become JSON responses.

import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorBody } from '../shared/api-types.ts';
import { SwitchyardError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';

export function errorBody(status: number, error: string, message: string): ErrorBody {
  return { code: status, error, message };
}

/** The same error body as a plain Response, for handlers that build responses themselves. */
export function jsonErrorResponse(
  status: number,
  error: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(errorBody(status, error, message)), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export function errorResponse(c: Context, err: unknown, logger: Logger): Response {
  if (err instanceof SwitchyardError) {
    return c.json(errorBody(err.status, err.code, err.message), err.status as ContentfulStatusCode);
  }
  if (err instanceof HTTPException) {
    const code = err.status === 413 ? 'payload_too_large' : 'http_error';
    return c.json(errorBody(err.status, code, err.message || 'request rejected'), err.status);
  }
  logger.error('unhandled control-plane error', { path: c.req.path, err: String(err), stack: (err as Error)?.stack });
  return c.json(errorBody(500, 'internal', 'internal error'), 500);
}
