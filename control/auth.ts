// Bearer-token check for the routes data-plane nodes and operators call.

import type { MiddlewareHandler } from 'hono';
import { UnauthorizedError } from '../shared/errors.ts';

/** Compares in time independent of where the strings differ. */
export function safeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    diff |= (a.charCodeAt(i % (a.length || 1)) || 0) ^ (b.charCodeAt(i % (b.length || 1)) || 0);
  }
  return diff === 0;
}

/** Requires `Authorization: Bearer <token>` when a token is configured; passes everything otherwise. */
export function requireToken(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (token) {
      const header = c.req.header('authorization') ?? '';
      const presented = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
      if (!presented || !safeEqual(presented, token)) throw new UnauthorizedError('missing or wrong bearer token');
    }
    await next();
  };
}
