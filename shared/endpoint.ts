// Listen endpoints as SRS announces them in its heartbeat: `1935`, `tcp://:1935`,
// `udp://0.0.0.0:8000` or `tcp://192.168.3.10:1935`.

import { BadRequestError } from './errors.ts';

export interface Endpoint {
  /** Transport named by the endpoint, when it names one. */
  proto?: 'tcp' | 'udp';
  /** A concrete address to dial; absent when the server listens on every interface. */
  host?: string;
  port: number;
}

const WILDCARD_HOSTS = new Set(['', '0.0.0.0', '::', '[::]']);

export function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** Parses one endpoint; throws BadRequestError naming the bad text. */
export function parseEndpoint(text: string): Endpoint {
  const raw = text.trim();
  const bare = parsePort(raw);
  if (bare !== undefined) return { port: bare };

  const match = /^(tcp|udp):\/\/(.*):(\d{1,5})$/i.exec(raw);
  const port = match?.[3] === undefined ? undefined : parsePort(match[3]);
  if (!match || port === undefined) {
    throw new BadRequestError(`invalid endpoint "${text}": want PORT, PROTO://:PORT or PROTO://IP:PORT`);
  }
  const proto = match[1]?.toLowerCase() as 'tcp' | 'udp';
  const host = match[2] ?? '';
  if (/[\s/?#@]/.test(host)) throw new BadRequestError(`invalid endpoint host in "${text}"`);
  const endpoint: Endpoint = { proto, port };
  if (!WILDCARD_HOSTS.has(host)) endpoint.host = host.replace(/^\[(.*)\]$/, '$1');
  return endpoint;
}

/** The address to dial for an endpoint of a backend whose announced IP is `backendIp`. */
export function dialAddress(endpoint: Endpoint, backendIp: string): { host: string; port: number } {
  return { host: endpoint.host ?? backendIp, port: endpoint.port };
}

export function formatEndpoint(endpoint: Endpoint): string {
  if (!endpoint.proto) return String(endpoint.port);
  const host = endpoint.host === undefined ? '' : endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `${endpoint.proto}://${host}:${endpoint.port}`;
}

/** `http://host:port` for an address, with IPv6 hosts in brackets (`http://[::1]:1985`). */
export function originUrl(address: { host: string; port: number }, pathAndQuery = ''): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `http://${host}:${address.port}${pathAndQuery}`;
}
