// The messages between a cluster's primary and its workers (node:cluster IPC), and the loopback
// URL at which a worker reaches one of the primary's HTTP listeners.

import type { ListenAddress } from '../shared/config.ts';

export type ToWorker = { sy: 'metrics'; id: number } | { sy: 'shutdown' };
export type ToPrimary = { sy: 'ready' } | { sy: 'metrics'; id: number; text: string };

export function isClusterMessage<T extends { sy: string }>(message: unknown): message is T {
  return typeof message === 'object' && message !== null && typeof (message as { sy?: unknown }).sy === 'string';
}

/** The primary's listener as seen from the same host: a wildcard bind is reached on loopback. */
export function loopbackUrl(address: ListenAddress): string {
  const host = address.host;
  if (!host || host === '0.0.0.0') return `http://127.0.0.1:${address.port}`;
  if (host === '::') return `http://[::1]:${address.port}`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
