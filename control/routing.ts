// Chooses the backend for a stream and the address to dial for one protocol. Every protocol's
// routing (the data plane's route API, HLS playlists, WHIP/WHEP) goes through routeStream.

import type { BackendProtocol, BackendRecord, RouteResponse } from '../shared/api-types.ts';
import { dialAddress } from '../shared/endpoint.ts';
import { NoBackendError } from '../shared/errors.ts';
import { streamKey } from '../shared/stream-identity.ts';
import type { BackendStore, RouteDecision } from './store/store.ts';

export interface RouteInput {
  vhost: string;
  app: string;
  stream: string;
  proto: BackendProtocol;
}

export interface StreamRoute {
  /** The stream's key, `vhost/app/stream`. */
  stream: string;
  backend: BackendRecord;
  decision: RouteDecision;
  /** Where to dial the backend for the asked protocol. */
  address: { host: string; port: number };
}

export async function routeStream(
  store: BackendStore,
  input: RouteInput,
  now: number,
  random: number,
): Promise<StreamRoute> {
  const key = streamKey(input);
  const picked = await store.pickBackend(key, input.proto, now, random);
  const backend = picked?.backend;
  if (!picked || !backend) throw new NoBackendError(`no live backend with a ${input.proto} endpoint for ${key}`);
  const endpoint = backend.endpoints[input.proto]?.[0];
  // A stream stays on its origin; if that origin lacks the protocol, no other origin has the stream.
  if (!endpoint) throw new NoBackendError(`backend ${backend.id} serving ${key} has no ${input.proto} endpoint`);
  return { stream: key, backend, decision: picked.decision, address: dialAddress(endpoint, backend.ip) };
}

/** The route as data-plane nodes receive it: the backend without its other endpoints. */
export function routeResponse(route: StreamRoute): RouteResponse {
  const b = route.backend;
  const backend: RouteResponse['backend'] = { id: b.id, ip: b.ip, server: b.server, service: b.service, pid: b.pid };
  if (b.deviceId) backend.deviceId = b.deviceId;
  return { code: 0, stream: route.stream, backend, address: route.address };
}
