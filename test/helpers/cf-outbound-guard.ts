// Cloudflare's production fetch rules for Worker subrequests, enforced on everything a Worker under
// test fetches (miniflare's outboundService), so a fetch that a deployed Worker could not make
// fails here too. Written apart from the code under test (shared/public-url.ts) on purpose.
//
// Rules (sources in docs/deploy-workers.md):
// - an IP-literal host is refused ("Direct IP access not allowed", error code 1003);
// - https: a custom port is ignored and 443 dialled;
// - http: only Cloudflare's proxy ports (80, 8080, 8880, 2052, 2082, 2086, 2095); others refused;
// - any other scheme is refused.
// Only loopback exists here, so host names resolve through a table the test fills, like DNS
// (name + port -> a loopback port): `https://upstash.test` or `http://node-a.test:8080` reach
// servers bound to free loopback ports, and an unknown name fails like an NXDOMAIN. The table
// maps the port the Worker would really dial, after the https rewrite, so a URL relying on a
// custom https port reaches nothing.

import { isIP } from 'node:net';

export const CF_HTTP_PORTS = [80, 8080, 8880, 2052, 2082, 2086, 2095];

export interface OutboundGuard {
  /** miniflare's outboundService. */
  handle(request: Request): Promise<Response>;
  /** `name:port` (as dialled) -> loopback port. */
  map(name: string, port: number, loopbackPort: number): void;
  /** Every refused fetch, as `reason url`. */
  refused: string[];
  /** Every fetch made, as `METHOD url` (after the https port rewrite). */
  fetched: string[];
}

export function createOutboundGuard(): OutboundGuard {
  const hosts = new Map<string, number>();
  const refused: string[] = [];
  const fetched: string[] = [];
  const refuse = (reason: string, url: string, status: number, body: string) => {
    refused.push(`${reason} ${url}`);
    return new Response(body, { status, headers: { 'content-type': 'text/plain' } });
  };
  return {
    refused,
    fetched,
    map: (name, port, loopbackPort) => hosts.set(`${name.toLowerCase()}:${port}`, loopbackPort),
    async handle(request) {
      const url = new URL(request.url);
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      if (isIP(host)) return refuse('ip-host', request.url, 403, 'error code: 1003');
      let port: number;
      if (url.protocol === 'https:') port = 443;
      else if (url.protocol === 'http:') {
        port = url.port === '' ? 80 : Number(url.port);
        if (!CF_HTTP_PORTS.includes(port)) return refuse('port', request.url, 403, 'port not reachable from Workers');
      } else return refuse('scheme', request.url, 403, 'scheme not reachable from Workers');
      const target = hosts.get(`${host.toLowerCase()}:${port}`);
      if (target === undefined) return refuse('unknown-host', request.url, 530, 'error code: 1016');
      fetched.push(`${request.method} ${url.protocol}//${host}:${port}${url.pathname}${url.search}`);
      const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
      const headers = new Headers(request.headers);
      headers.delete('host');
      return fetch(`http://127.0.0.1:${target}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        body,
        redirect: 'manual',
      });
    },
  };
}
