// HLS backend resolution on a data-plane node: asks the control plane (routing API and
// backend lookup) instead of a store, for deployments where only the nodes reach the origins.

import type { ControlClient } from '../dataplane/control-client.ts';
import { dialAddress } from '../shared/endpoint.ts';
import type { HlsResolver } from '../shared/hls-resolver.ts';

export function remoteHlsResolver(control: ControlClient): HlsResolver {
  return {
    async route(identity) {
      const route = await control.route({ ...identity, proto: 'http' });
      return { id: route.backend.id, address: route.address };
    },
    async lookup(id) {
      const backend = await control.backend(id);
      const endpoint = backend?.endpoints.http?.[0];
      return backend && endpoint ? { id: backend.id, address: dialAddress(endpoint, backend.ip) } : null;
    },
  };
}
