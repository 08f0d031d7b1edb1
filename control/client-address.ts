// The address a request came from, as far as this runtime can vouch for it: the TCP peer on Node
// (@hono/node-server passes the IncomingMessage), or Cloudflare's `cf-connecting-ip` on Workers,
// where Cloudflare sets that header itself. A header is never trusted on Node: a cluster's primary
// checks its workers' stamped requests itself (process/cluster-hop.ts) and passes the player's
// address as `vouched`, or none for a worker's own call (like an in-process one).

import type { Context } from 'hono';

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string } };
  vouched?: { client: string | undefined };
}

export function clientAddress(c: Context, trustedHeader: string | undefined): string | undefined {
  const env = c.env as NodeBindings | undefined;
  if (env?.vouched) return env.vouched.client;
  const peer = env?.incoming?.socket?.remoteAddress;
  if (peer) return unmapped(peer);
  return trustedHeader ? c.req.header(trustedHeader) : undefined;
}

/** `::ffff:192.0.2.1` is 192.0.2.1. */
export function unmapped(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
