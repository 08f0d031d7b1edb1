// The origin gateway on a data-plane node's HTTP stream port: an edge control plane (a Worker,
// which cannot fetch IP addresses) sends an origin request here with a signed ticket naming the
// origin's private address, the method and the exact path; the node checks all of it, makes the
// request on its private network and streams the answer back. Nothing without a valid ticket
// reaches an origin, and a ticket only covers HLS artefacts and WebRTC signalling paths.

import { Hono } from 'hono';
import type { StatusCode } from 'hono/utils/http-status';
import { errorMessage, ForbiddenError, PayloadTooLargeError, UpstreamError } from '../../shared/errors.ts';
import { decodeGatewayTicket, GATEWAY_HEADER, GATEWAY_PREFIX, isGatewayRequest } from '../../shared/gateway-ticket.ts';
import type { Logger } from '../../shared/log.ts';
import type { NetworkList } from '../../shared/networks.ts';
import { passedHeaders } from '../../shared/origin-headers.ts';
import type { Signer } from '../../shared/signer.ts';

/** Largest signalling body (SDP offer or legacy JSON) passed on. */
const MAX_BODY_BYTES = 128 * 1024;
const ORIGIN_TIMEOUT_MS = 10_000;
const REQUEST_HEADERS = ['content-type', 'user-agent', 'range', 'if-none-match', 'if-modified-since'];

export interface OriginGatewayOptions {
  /** The deployment's signing key (PROXY_SIGNING_KEY, shared with the edge). */
  signer: Signer;
  /** Origins must lie here (PROXY_BACKEND_NETWORKS), whatever a ticket says. */
  networks: NetworkList;
  logger: Logger;
  now?: () => number;
}

function parseHostPort(text: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) return undefined;
  return { host: (match[1] ?? match[2]) as string, port };
}

async function boundedBody(req: Request): Promise<ArrayBuffer | undefined> {
  if (req.method !== 'POST') return undefined;
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw new PayloadTooLargeError(`body over ${MAX_BODY_BYTES} bytes`);
  const body = await req.arrayBuffer();
  if (body.byteLength > MAX_BODY_BYTES) throw new PayloadTooLargeError(`body over ${MAX_BODY_BYTES} bytes`);
  return body;
}

/** A Hono app answering `<GATEWAY_PREFIX>/*`; errors are thrown as shared errors for the caller's error handler. */
export function createOriginGateway(options: OriginGatewayOptions): Hono {
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ plane: 'data', proto: 'gateway' });
  const app = new Hono();
  app.all(`${GATEWAY_PREFIX}/*`, async (c) => {
    const url = new URL(c.req.url);
    const path = `${url.pathname.slice(GATEWAY_PREFIX.length)}${url.search}`;
    const method = c.req.method;
    const ticket = decodeGatewayTicket(c.req.header(GATEWAY_HEADER) ?? '', options.signer, now());
    // One answer for every refusal: a prober learns nothing about which check failed.
    if (!ticket || ticket.m !== method || ticket.p !== path || !isGatewayRequest(method, path)) {
      throw new ForbiddenError('origin gateway: no valid ticket for this request');
    }
    const origin = parseHostPort(ticket.a);
    if (!origin || !options.networks.contains(origin.host)) {
      throw new ForbiddenError('origin gateway: the origin is outside PROXY_BACKEND_NETWORKS');
    }
    const headers = new Headers();
    for (const name of REQUEST_HEADERS) {
      const value = c.req.header(name);
      if (value) headers.set(name, value);
    }
    const body = await boundedBody(c.req.raw);
    let res: Response;
    try {
      res = await fetch(`http://${ticket.a}${path}`, {
        method,
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(ORIGIN_TIMEOUT_MS),
      });
    } catch (err) {
      throw new UpstreamError(`origin unreachable: ${errorMessage(err)}`);
    }
    logger.debug('origin gateway request', { backend: ticket.b, method, status: res.status });
    // Location too: a redirect resolves at the edge against the origin's own URL.
    const out = passedHeaders(res, ['location']);
    // The body streams through as the origin sends it (segments are not buffered here).
    const empty = method === 'HEAD' || res.status === 204 || res.status === 304;
    return new Response(empty ? null : res.body, { status: res.status as StatusCode, headers: out });
  });
  return app;
}
