// Reads request bodies with a hard size cap, also when the client sends no Content-Length.

import type { Context } from 'hono';
import { BadRequestError, PayloadTooLargeError } from '../shared/errors.ts';

export async function readBytes(c: Context, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) throw new PayloadTooLargeError(`body larger than ${maxBytes} bytes`);
  const body = c.req.raw.body;
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (err) {
      // The client went away mid-body: its fault, not ours, and no stack trace to log.
      throw new BadRequestError('request body ended early', { cause: err });
    }
    const { done, value } = chunk;
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new PayloadTooLargeError(`body larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

export async function readText(c: Context, maxBytes: number): Promise<string> {
  const bytes = await readBytes(c, maxBytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new BadRequestError('body is not valid UTF-8');
  }
}

export async function readJson(c: Context, maxBytes: number): Promise<unknown> {
  const text = await readText(c, maxBytes);
  if (text.trim() === '') throw new BadRequestError('empty body: want a JSON object');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadRequestError(`body is not valid JSON: ${(err as Error).message}`);
  }
}
