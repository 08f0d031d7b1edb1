// How the control plane sends a request to an origin. On Node it dials the origin's registered
// private address. On the edge (a Cloudflare Worker, which can fetch neither IP addresses nor
// arbitrary ports) it fetches the origin's public name when it registered one (direct), else asks
// a live data-plane node to make the request on its private network (through a node, with a
// signed, short-lived ticket). docs/deploy-workers.md explains both.

import type { NodeRecord } from '../shared/api-types.ts';
import { originUrl } from '../shared/endpoint.ts';
import { NoBackendError, NotFoundError } from '../shared/errors.ts';
import {
  encodeGatewayTicket,
  GATEWAY_HEADER,
  GATEWAY_PREFIX,
  GATEWAY_TICKET_TTL_MS,
  isGatewayRequest,
} from '../shared/gateway-ticket.ts';
import type { HlsBackend } from '../shared/hls-resolver.ts';
import type { ControlEnv } from './context.ts';

/** One origin as a request needs it: private address, and public URL for that port if any. */
export type OriginTarget = HlsBackend;

export type OriginRequest = (target: OriginTarget, pathAndQuery: string, init: RequestInit) => Promise<Response>;

type Deps = ControlEnv['Variables']['deps'];

/** The node list is read at most this often per isolate: one Redis read, not one per segment. */
const NODE_CACHE_MS = 5_000;

function pickNode(nodes: NodeRecord[], region: string | undefined, random: number): NodeRecord | undefined {
  const local = region ? nodes.filter((n) => n.region === region) : [];
  const pool = local.length > 0 ? local : nodes;
  return pool[Math.floor(random * pool.length)] ?? pool[0];
}

function hostPort(address: { host: string; port: number }): string {
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

/** Dials the origin's registered (private) address. */
export function privateOriginRequest(
  fetchImpl: (input: string, init?: RequestInit) => Promise<Response>,
): OriginRequest {
  return (target, path, init) => fetchImpl(originUrl(target.address, path), init);
}

function createOriginRequest(deps: Deps): OriginRequest {
  const fetchImpl = deps.fetch ?? ((i: string, o?: RequestInit) => fetch(i, o));
  if (deps.originReach !== 'edge')
    return privateOriginRequest(deps.fetch ? fetchImpl : (deps.originFetch ?? fetchImpl));
  let cache: { at: number; nodes: NodeRecord[] } | undefined;
  const gateways = async (now: number): Promise<NodeRecord[]> => {
    if (!cache || now - cache.at > NODE_CACHE_MS) {
      const nodes = await deps.store.listNodes();
      cache = { at: now, nodes: nodes.filter((n) => n.gatewayUrl) };
    }
    return cache.nodes.filter((n) => now - n.updatedAt <= deps.aliveMs);
  };
  return async (target, path, init) => {
    if (target.publicUrl) return fetchImpl(`${target.publicUrl}${path}`, init);
    const method = (init.method ?? 'GET').toUpperCase();
    if (!isGatewayRequest(method, path)) throw new NotFoundError('this origin path is not served through a node');
    const now = deps.now();
    const node = pickNode(await gateways(now), target.region, deps.random());
    if (!node?.gatewayUrl) {
      throw new NoBackendError(
        `origin ${target.id} has no public URL and no live data-plane node announced a gateway URL`,
      );
    }
    const ticket = encodeGatewayTicket(
      { b: target.id, a: hostPort(target.address), m: method, p: path, e: now + GATEWAY_TICKET_TTL_MS },
      deps.signer,
    );
    const headers = new Headers(init.headers);
    headers.set(GATEWAY_HEADER, ticket);
    return fetchImpl(`${node.gatewayUrl}${GATEWAY_PREFIX}${path}`, { ...init, headers });
  };
}

const perApp = new WeakMap<Deps, OriginRequest>();

/** The origin request function of one app (its node cache lives as long as the app). */
export function originRequest(deps: Deps): OriginRequest {
  let request = perApp.get(deps);
  if (!request) {
    request = createOriginRequest(deps);
    perApp.set(deps, request);
  }
  return request;
}
