// Every Redis key the control plane uses, under one prefix.

export interface KeySpace {
  /** Sorted set of backend ids scored by last heartbeat (ms). */
  backendIndex: string;
  /** Prefix of the per-backend JSON record keys; the id follows. */
  backendPrefix: string;
  backend(id: string): string;
  /** Prefix of the per-backend sets of bound stream keys (scored by expiry); the id follows. */
  backendStreamsPrefix: string;
  /** Prefix of the per-backend failure-report keys (value: ms of the first report); the id follows. */
  suspectPrefix: string;
  /** Prefix of the stream binding keys (the stream key follows; SCAN pattern of the bindings view). */
  streamPrefix: string;
  /** Stream binding: holds the backend id. */
  stream(streamKey: string): string;
  /** Prefix of the sets of protocols that routed to a binding (same TTL); the stream key follows. */
  streamProtosPrefix: string;
  /** Set of backend ids marked draining by an operator. */
  draining: string;
  /** WebRTC session by ICE username. */
  rtcSession(username: string): string;
  nodeIndex: string;
  nodePrefix: string;
  node(id: string): string;
}

export function keySpace(prefix: string): KeySpace {
  const backendPrefix = `${prefix}:backend:`;
  const streamPrefix = `${prefix}:stream:`;
  return {
    backendStreamsPrefix: `${prefix}:backend-streams:`,
    suspectPrefix: `${prefix}:suspect:`,
    streamPrefix,
    streamProtosPrefix: `${prefix}:stream-protos:`,
    backendIndex: `${prefix}:backends`,
    backendPrefix,
    backend: (id) => `${backendPrefix}${id}`,
    stream: (streamKey) => `${streamPrefix}${streamKey}`,
    draining: `${prefix}:draining`,
    rtcSession: (username) => `${prefix}:rtc:${username}`,
    nodeIndex: `${prefix}:nodes`,
    nodePrefix: `${prefix}:node:`,
    node: (id) => `${prefix}:node:${id}`,
  };
}
