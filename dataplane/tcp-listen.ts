// Binds a TCP listener and resolves with the port it got; a failed bind rejects (the data plane
// turns that into a start-up error naming the setting), later server errors are logged.

import type { Server } from 'node:net';
import type { ListenAddress } from '../shared/config.ts';

export function listenTcp(server: Server, address: ListenAddress, onError: (err: Error) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      server.on('error', onError);
      const info = server.address();
      resolve(typeof info === 'object' && info ? info.port : address.port);
    });
  });
}
