// Bounds every store call: a store that hangs (an Upstash endpoint frozen, not down) answers
// UnavailableError after `timeoutMs` instead of holding requests, and their sockets, for as long
// as it hangs. Live sessions never wait on the store, so they keep flowing.

import { UnavailableError } from '../../shared/errors.ts';
import type { BackendStore } from './store.ts';

function withTimeout<T>(operation: string, call: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new UnavailableError(`store did not answer ${operation} within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
}

export function timedStore(store: BackendStore, timeoutMs: number): BackendStore {
  const bounded = {} as BackendStore;
  for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(store)) as Array<keyof BackendStore>) {
    const method = store[name];
    if (name === ('constructor' as string) || typeof method !== 'function') continue;
    (bounded as unknown as Record<string, unknown>)[name] = (...args: unknown[]) =>
      withTimeout(name, (method as (...a: unknown[]) => Promise<unknown>).apply(store, args), timeoutMs);
  }
  return bounded;
}
