// Raw TCP HTTP clients from any loopback address: slow-headers (slowloris) senders, players that
// never read, and keep-alive connections that send requests by hand.
import { connect, type Socket } from 'node:net';

export interface RawHttp {
  socket: Socket;
  /** Everything received so far (players that read nothing receive nothing). */
  received(): Buffer;
  /** Milliseconds from connect to the server closing the connection; undefined while open. */
  closedAfter(): number | undefined;
  /** Resolves with closedAfter() once closed; rejects after `timeoutMs`. */
  closedWithin(timeoutMs: number): Promise<number>;
  /** Resolves once `pattern` has been received; rejects after `timeoutMs` or on close without it. */
  receive(pattern: RegExp, timeoutMs: number): Promise<string>;
}

export async function rawHttp(port: number, options: { localAddress?: string; read?: boolean } = {}): Promise<RawHttp> {
  const socket = connect({ port, host: '127.0.0.1', localAddress: options.localAddress });
  socket.on('error', () => {});
  const chunks: Buffer[] = [];
  let connectedAt = 0;
  let closedAt: number | undefined;
  socket.on('close', () => {
    closedAt = Date.now();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('close', () => reject(new Error('closed before connecting')));
  });
  connectedAt = Date.now();
  if (options.read === false) socket.pause();
  else socket.on('data', (d: Buffer) => chunks.push(d));
  const received = () => Buffer.concat(chunks);
  const poll = async <T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      if (Date.now() > until) throw new Error(`${what} not within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const closedAfter = () => (closedAt === undefined ? undefined : closedAt - connectedAt);
  return {
    socket,
    received,
    closedAfter,
    closedWithin: (timeoutMs) => poll('server close', timeoutMs, closedAfter),
    receive: (pattern, timeoutMs) =>
      poll(`${pattern}`, timeoutMs, () => {
        const text = received().toString('latin1');
        if (pattern.test(text)) return text;
        if (closedAt !== undefined) throw new Error(`closed without ${pattern}: ${JSON.stringify(text.slice(0, 300))}`);
        return undefined;
      }),
  };
}

/**
 * A slowloris client: a request line, then one header line every `intervalMs`, never the blank
 * line that ends the headers. Stops when the server closes the connection.
 */
export async function slowHeaders(port: number, localAddress: string, intervalMs: number): Promise<RawHttp> {
  const client = await rawHttp(port, { localAddress });
  client.socket.write('GET /live/slow.flv HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  let n = 0;
  const timer = setInterval(() => client.socket.write(`X-Slow-${n++}: ${'x'.repeat(20)}\r\n`), intervalMs);
  client.socket.once('close', () => clearInterval(timer));
  return client;
}
