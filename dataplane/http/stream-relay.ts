// Relays one live HTTP stream (HTTP-FLV/TS/...) from the stream's backend: status, headers and
// body as the backend sends them; the client's hang-up aborts the backend request at once.

import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { errorMessage, SwitchyardError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { streamFromHttp, streamKey } from '../../shared/stream-identity.ts';
import type { ControlClient } from '../control-client.ts';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
]);
const RESPONSE_TIMEOUT_MS = 10_000;

export const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, OPTIONS',
  'access-control-allow-headers': '*',
  'access-control-expose-headers': '*',
};

export function sendJsonError(res: ServerResponse, status: number, error: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ code: status, error, message });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...CORS_HEADERS,
  });
  res.end(body);
}

export async function relayLiveStream(
  req: IncomingMessage,
  res: ServerResponse,
  control: ControlClient,
  log: Logger,
): Promise<void> {
  const url = req.url ?? '/';
  let identity: ReturnType<typeof streamFromHttp>;
  try {
    identity = streamFromHttp(req.headers.host, url);
  } catch (err) {
    sendJsonError(res, 400, 'bad_request', errorMessage(err));
    return;
  }
  let route: Awaited<ReturnType<ControlClient['route']>>;
  try {
    route = await control.route({ ...identity, proto: 'http' });
  } catch (err) {
    const status = err instanceof SwitchyardError ? err.status : 502;
    sendJsonError(res, status, err instanceof SwitchyardError ? err.code : 'upstream', errorMessage(err));
    return;
  }
  if (res.destroyed || req.destroyed) return;

  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  // SRS picks the vhost from Host, so the client's Host goes through unchanged.
  const forwardedFor = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = [forwardedFor, req.socket.remoteAddress].filter(Boolean).join(', ');

  const upstream = httpRequest({
    host: route.address.host,
    port: route.address.port,
    method: 'GET',
    path: url,
    headers,
    timeout: RESPONSE_TIMEOUT_MS,
  });
  const log2 = log.child({ stream: streamKey(identity), backend: route.backend.id });
  let finished = false;
  const abort = () => {
    if (!finished) upstream.destroy();
  };
  res.on('close', abort);
  upstream.on('timeout', () => upstream.destroy(new Error('backend response timed out')));
  upstream.on('error', (err) => {
    log2.warn('http stream backend failed', { err: err.message });
    sendJsonError(res, 502, 'upstream', 'backend request failed');
  });
  upstream.on('response', (backendRes) => {
    upstream.setTimeout(0);
    const out: Record<string, string | string[]> = { ...CORS_HEADERS };
    for (const [name, value] of Object.entries(backendRes.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
    }
    res.writeHead(backendRes.statusCode ?? 502, out);
    backendRes.pipe(res);
    backendRes.on('end', () => {
      finished = true;
    });
    backendRes.on('error', () => res.destroy());
    log2.info('http stream relay started', { status: backendRes.statusCode });
  });
  upstream.end();
}
