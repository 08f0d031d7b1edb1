// Validates a registration body (SRS's heartbeat or the manual API form) into a BackendRecord.
// Every rejection names the field, and nothing reaches the store unless the whole body is valid.

import {
  BACKEND_PROTOCOLS,
  type BackendProtocol,
  type BackendRecord,
  PUBLIC_PROTOCOLS,
  type PublicProtocol,
} from '../shared/api-types.ts';
import { type Endpoint, parseEndpoint } from '../shared/endpoint.ts';
import { BadRequestError, ForbiddenError } from '../shared/errors.ts';
import type { NetworkList } from '../shared/networks.ts';
import { parseWorkerBaseUrl } from '../shared/public-url.ts';
import { parseWeight } from './placement.ts';

const MAX_ID_LENGTH = 128;
const MAX_ENDPOINTS = 16;

function requiredString(body: Record<string, unknown>, field: string, allowNumber = false): string {
  const value = body[field];
  // SRS sends pid as a string; hand-written registrations often send a number.
  if (allowNumber && typeof value === 'number' && Number.isInteger(value) && value >= 0) return String(value);
  if (typeof value !== 'string' || value.trim() === '') {
    throw new BadRequestError(`field "${field}" is required and must be a non-empty string`);
  }
  if (value.length > MAX_ID_LENGTH)
    throw new BadRequestError(`field "${field}" is longer than ${MAX_ID_LENGTH} characters`);
  return value.trim();
}

function endpoints(body: Record<string, unknown>, field: BackendProtocol, required: boolean): Endpoint[] {
  const value = body[field];
  if (value === undefined || value === null) {
    if (required) throw new BadRequestError(`field "${field}" is required (a list of listen endpoints)`);
    return [];
  }
  const list = typeof value === 'string' || typeof value === 'number' ? [value] : value;
  if (!Array.isArray(list)) throw new BadRequestError(`field "${field}" must be a list of endpoints`);
  if (required && list.length === 0) throw new BadRequestError(`field "${field}" must list at least one endpoint`);
  if (list.length > MAX_ENDPOINTS)
    throw new BadRequestError(`field "${field}" lists more than ${MAX_ENDPOINTS} endpoints`);
  return list.map((item) => {
    if (typeof item !== 'string' && typeof item !== 'number') {
      throw new BadRequestError(`field "${field}" must hold strings or port numbers`);
    }
    try {
      return parseEndpoint(String(item));
    } catch (err) {
      throw new BadRequestError(`field "${field}": ${(err as Error).message}`);
    }
  });
}

function checkIp(ip: string): string {
  // An address or host name the proxy can dial; no scheme, path or port.
  if (!/^[A-Za-z0-9.:_-]+$/.test(ip) || ip.length > 253)
    throw new BadRequestError(`field "ip" is not an address: "${ip}"`);
  return ip;
}

/**
 * `public_urls: {"http": "https://o1-hls.example.com", "api": "https://o1-api.example.com"}`:
 * where an edge control plane reaches this origin directly. Never dialled by data-plane nodes.
 */
function publicUrls(value: unknown): BackendRecord['publicUrls'] {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw new BadRequestError('field "public_urls" must be an object such as {"http": "https://name"}');
  const urls: Partial<Record<PublicProtocol, string>> = {};
  for (const [key, url] of Object.entries(value)) {
    if (!(PUBLIC_PROTOCOLS as readonly string[]).includes(key))
      throw new BadRequestError(`field "public_urls" has "${key.slice(0, 20)}"; want ${PUBLIC_PROTOCOLS.join(' or ')}`);
    urls[key as PublicProtocol] = parseWorkerBaseUrl(url, `public_urls.${key}`);
  }
  return urls;
}

/**
 * Public URLs from PROXY_ORIGIN_URL_TEMPLATE (`https://{device_id}-{proto}.origins.example.com`),
 * for registrations that carry none (SRS's heartbeat sends only its address and ports).
 */
export function templatePublicUrls(template: string, backend: BackendRecord): BackendRecord['publicUrls'] {
  const urls: Partial<Record<PublicProtocol, string>> = {};
  for (const proto of PUBLIC_PROTOCOLS) {
    if (backend.endpoints[proto].length === 0) continue;
    const text = template.replace(/\{(\w+)\}/g, (_whole, name: string) => {
      const value = { device_id: backend.deviceId, server: backend.id, proto }[name];
      if (value === undefined)
        throw new BadRequestError(`PROXY_ORIGIN_URL_TEMPLATE needs "${name}", which this registration lacks`);
      if (!/^[A-Za-z0-9-]{1,63}$/.test(value))
        throw new BadRequestError(`"${name}" cannot be part of a host name: "${value.slice(0, 64)}"`);
      return value.toLowerCase();
    });
    urls[proto] = parseWorkerBaseUrl(text, `PROXY_ORIGIN_URL_TEMPLATE for ${proto}`);
  }
  return urls;
}

export function parseRegistration(body: unknown, now: number): BackendRecord {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError('body must be a JSON object');
  }
  const fields = body as Record<string, unknown>;
  const ip = checkIp(requiredString(fields, 'ip'));
  const server = requiredString(fields, 'server');
  const service = requiredString(fields, 'service');
  const pid = requiredString(fields, 'pid', true);
  const record: BackendRecord = {
    id: server,
    ip,
    server,
    service,
    pid,
    endpoints: {} as Record<BackendProtocol, Endpoint[]>,
    updatedAt: now,
  };
  for (const proto of BACKEND_PROTOCOLS) record.endpoints[proto] = endpoints(fields, proto, proto === 'rtmp');
  const deviceId = fields.device_id;
  if (deviceId !== undefined && deviceId !== null && deviceId !== '') {
    if (typeof deviceId !== 'string' || deviceId.length > MAX_ID_LENGTH) {
      throw new BadRequestError(`field "device_id" must be a string of at most ${MAX_ID_LENGTH} characters`);
    }
    record.deviceId = deviceId;
  }
  const urls = publicUrls(fields.public_urls);
  if (urls) record.publicUrls = urls;
  const region = fields.region;
  if (region !== undefined && region !== null) {
    if (typeof region !== 'string' || !/^[\w.-]{1,64}$/.test(region))
      throw new BadRequestError('field "region" must be 1-64 of A-Z a-z 0-9 _ . -');
    record.region = region;
  }
  const weight = parseWeight(fields);
  if (weight !== undefined) record.weight = weight;
  return record;
}

/**
 * Refuses a backend whose address or any endpoint host lies outside `networks`. Only IP literals
 * pass: a host name could later resolve anywhere, so it is never followed.
 */
export function checkBackendNetworks(backend: BackendRecord, networks: NetworkList): void {
  if (!networks.contains(backend.ip)) {
    throw new ForbiddenError(`field "ip": ${backend.ip} is not an address inside PROXY_BACKEND_NETWORKS`);
  }
  for (const proto of BACKEND_PROTOCOLS) {
    for (const endpoint of backend.endpoints[proto]) {
      if (endpoint.host !== undefined && !networks.contains(endpoint.host)) {
        throw new ForbiddenError(`field "${proto}": ${endpoint.host} is not an address inside PROXY_BACKEND_NETWORKS`);
      }
    }
  }
}
