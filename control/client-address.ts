// The address a request came from, as far as this runtime can vouch for it: the TCP peer on Node
// (@hono/node-server passes the IncomingMessage), or Cloudflare's `cf-connecting-ip` on Workers,
// where Cloudflare sets that header itself. A header is never trusted on Node.

import type { Context } from 'hono';

export function clientAddress(c: Context, trustedHeader: string | undefined): string | undefined {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  const peer = incoming?.socket?.remoteAddress;
  if (peer) return peer.startsWith('::ffff:') ? peer.slice(7) : peer;
  return trustedHeader ? c.req.header(trustedHeader) : undefined;
}
