// Base URLs a Cloudflare Worker may fetch: a host name (never an IP literal: "Direct IP access not
// allowed", error 1003) on a port a deployed Worker really dials. On https any custom port is
// ignored and 443 is used; on http only Cloudflare's proxy ports are taken (docs/deploy-workers.md
// cites the sources). Origins' public names and node gateway URLs are checked here.

import { BadRequestError } from './errors.ts';
import { isIpLiteral } from './networks.ts';

/** http ports a Worker subrequest can use. */
export const WORKER_HTTP_PORTS: readonly number[] = [80, 8080, 8880, 2052, 2082, 2086, 2095];

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * `scheme://host[:port]` for a base URL a Worker can fetch, or a BadRequestError naming `field`.
 * No path, query, credentials or fragment: callers append origin paths themselves.
 */
export function parseWorkerBaseUrl(text: unknown, field: string): string {
  if (typeof text !== 'string' || text.length > 300) throw new BadRequestError(`field "${field}" must be a URL`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BadRequestError(`field "${field}" is not a URL: "${text.slice(0, 100)}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new BadRequestError(`field "${field}" must be an http(s) URL`);
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== ''))
    throw new BadRequestError(`field "${field}" must be scheme://host[:port] with no path, query or credentials`);
  const host = url.hostname.toLowerCase();
  if (isIpLiteral(host.replace(/^\[(.*)\]$/, '$1')) || !HOST_NAME.test(host))
    throw new BadRequestError(`field "${field}" must name a host, not an IP address (a Worker cannot fetch IPs)`);
  // URL drops the scheme's default port, so `port` is '' for :80 on http and :443 on https.
  if (url.protocol === 'https:' && url.port !== '')
    throw new BadRequestError(`field "${field}": a Worker ignores custom https ports and dials 443; use 443`);
  if (url.protocol === 'http:' && url.port !== '' && !WORKER_HTTP_PORTS.includes(Number(url.port)))
    throw new BadRequestError(`field "${field}": a Worker dials http only on ports ${WORKER_HTTP_PORTS.join(', ')}`);
  return `${url.protocol}//${url.host}`;
}
