// The loopback hop from a cluster's worker to its primary's HTTP listeners. A worker passes a
// player's non-stream requests (HLS, WHIP/WHEP) to the primary's public API and asks its control
// plane to route each session; without more, the primary would see every one of them come from
// the worker's loopback address and share one rate-limit bucket between all players. So the
// worker stamps each request with the player's address (or with none: the worker's own call,
// which the primary treats like an in-process one) and an HMAC of it under a secret made at boot
// and handed only to the workers. The primary believes a stamp only from its own host and with a
// valid proof; a header sent by anyone else is ignored and the TCP peer is the client.

import type { IncomingMessage } from 'node:http';
import { unmapped } from '../control/client-address.ts';
import { randomSigningKey, Signer } from '../shared/signer.ts';

const CLIENT_HEADER = 'x-switchyard-client';
const PROOF_HEADER = 'x-switchyard-hop';
/** The client value of a worker's own request (control-plane calls). */
const NO_CLIENT = '-';

/** What the control app reads for a vouched request (control/client-address.ts). */
export interface VouchedEnv {
  incoming?: IncomingMessage;
  vouched?: { client: string | undefined };
}

export class ClusterHop {
  private readonly signer: Signer;

  constructor(readonly secret: string = randomSigningKey()) {
    this.signer = new Signer(secret);
  }

  /** Worker side: marks a request as passed on for `client` (a player's address), or as the worker's own. */
  stamp(headers: Headers, client: string | undefined): void {
    const value = client || NO_CLIENT;
    headers.set(CLIENT_HEADER, value);
    headers.set(PROOF_HEADER, this.signer.sign(`hop:${value}`));
  }

  /** Worker side: stamps a request passed on for the player whose Node request `env` carries. */
  stampForPlayer(headers: Headers, env: unknown): void {
    const peer = (env as VouchedEnv | undefined)?.incoming?.socket?.remoteAddress;
    this.stamp(headers, peer ? unmapped(peer) : undefined);
  }

  /**
   * Primary side: the env the control app sees. A request stamped by a worker carries its player's
   * address (none for the worker's own calls); any other request is left as it is.
   */
  vouch(req: Request, env: unknown): unknown {
    const client = req.headers.get(CLIENT_HEADER);
    const proof = req.headers.get(PROOF_HEADER);
    if (client === null || proof === null) return env;
    const socket = (env as VouchedEnv | undefined)?.incoming?.socket;
    // The hop never leaves the host: a worker connects to the primary's own address.
    const sameHost = socket !== undefined && socket.remoteAddress === socket.localAddress;
    if (!sameHost || !this.signer.verify(`hop:${client}`, proof)) return env;
    return { ...(env as object), vouched: { client: client === NO_CLIENT ? undefined : client } } satisfies VouchedEnv;
  }
}
