// A real redis-server on a free port behind an Upstash-compatible REST server, for store tests.
import { freePort } from './ports.ts';
import { type Child, startProcess, waitForTcp } from './processes.ts';

export interface UpstashFixture {
  url: string;
  token: string;
  redisPort: number;
  /** Freezes the REST server (SIGSTOP): it holds connections and answers nothing, like a hung endpoint. */
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

export async function startUpstash(): Promise<UpstashFixture> {
  const redisPort = await freePort();
  const redis: Child = startProcess('redis-server', [
    '--port',
    String(redisPort),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
  await waitForTcp(redisPort);
  const token = `test-${Math.random().toString(36).slice(2)}`;
  const restPort = await freePort();
  const rest = startProcess(process.execPath, [new URL('./upstash-rest-server.mjs', import.meta.url).pathname], {
    env: { ...process.env, PORT: String(restPort), URS_TOKEN: token, REDIS_URL: `redis://127.0.0.1:${redisPort}` },
  });
  await waitForTcp(restPort);
  return {
    url: `http://127.0.0.1:${restPort}`,
    token,
    redisPort,
    freeze: () => rest.proc.kill('SIGSTOP'),
    thaw: () => rest.proc.kill('SIGCONT'),
    close: async () => {
      rest.proc.kill('SIGCONT');
      await rest.stop();
      await redis.stop();
    },
  };
}

/** Counts HTTP requests to `url` made through globalThis.fetch while `fn` runs. */
export async function countRequests<T>(url: string, fn: () => Promise<T>): Promise<{ result: T; requests: number }> {
  const original = globalThis.fetch;
  let requests = 0;
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
    const target = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (target.startsWith(url)) requests++;
    return original(input, init);
  }) as typeof fetch;
  try {
    return { result: await fn(), requests };
  } finally {
    globalThis.fetch = original;
  }
}
