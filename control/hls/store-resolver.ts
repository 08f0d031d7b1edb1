// HLS backend resolution inside the control plane: routing through the store, and a backend id
// looked up in the store (one Redis GET per tagged request).

import type { BackendRecord } from '../../shared/api-types.ts';
import { dialAddress } from '../../shared/endpoint.ts';
import type { HlsBackend, HlsResolver } from '../../shared/hls-resolver.ts';
import { routeStream } from '../routing.ts';
import type { BackendStore } from '../store/store.ts';

function hlsBackend(backend: BackendRecord, address: HlsBackend['address']): HlsBackend {
  return { id: backend.id, address, publicUrl: backend.publicUrls?.http, region: backend.region };
}

function httpAddress(backend: BackendRecord): HlsBackend | null {
  const endpoint = backend.endpoints.http?.[0];
  return endpoint ? hlsBackend(backend, dialAddress(endpoint, backend.ip)) : null;
}

export function storeHlsResolver(store: BackendStore, now: () => number, random: () => number): HlsResolver {
  return {
    async route(identity) {
      const route = await routeStream(store, { ...identity, proto: 'http' }, now(), random());
      return hlsBackend(route.backend, route.address);
    },
    async lookup(id) {
      const backend = await store.getBackend(id);
      return backend ? httpAddress(backend) : null;
    },
  };
}
