// Chooses the backend for a stream and the address to dial for one protocol.

import type { BackendProtocol, BackendRecord, RouteResponse } from '../shared/api-types.ts';
import { dialAddress } from '../shared/endpoint.ts';
import { NoBackendError } from '../shared/errors.ts';
import { streamKey } from '../shared/stream-identity.ts';
import type { BackendStore } from './store/store.ts';

export interface RouteInput {
  vhost: string;
  app: string;
  stream: string;
  proto: BackendProtocol;
}

export async function routeStream(
  store: BackendStore,
  input: RouteInput,
  now: number,
  random: number,
): Promise<RouteResponse> {
  const key = streamKey(input);
  const backend = await store.pickBackend(key, input.proto, now, random);
  if (!backend) throw new NoBackendError(`no live backend with a ${input.proto} endpoint for ${key}`);
  const endpoint = backend.endpoints[input.proto]?.[0];
  // A stream stays on its origin; if that origin lacks the protocol, no other origin has the stream.
  if (!endpoint) throw new NoBackendError(`backend ${backend.id} serving ${key} has no ${input.proto} endpoint`);
  return { code: 0, stream: key, backend: publicView(backend), address: dialAddress(endpoint, backend.ip) };
}

function publicView(b: BackendRecord): RouteResponse['backend'] {
  const view: RouteResponse['backend'] = { id: b.id, ip: b.ip, server: b.server, service: b.service, pid: b.pid };
  if (b.deviceId) view.deviceId = b.deviceId;
  return view;
}
