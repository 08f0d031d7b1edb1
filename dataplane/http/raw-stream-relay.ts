// Relays one live HTTP stream (HTTP-FLV/TS/AAC/MP3) over a raw TCP socket to the origin: the
// player's request is parsed by the node:http server (hostile input, bounded there), then the
// relay writes the origin request itself, reads the origin's head with a bounded parser
// (response-head.ts), writes the player's head straight to the player's socket and pipes the body
// bytes socket to socket with their framing untouched (chunked or close-delimited): no HTTP
// machinery, no per-byte work. The player's connection closes with the stream.
//
// Guarantees as the node:http relay (stream-relay.ts): client hang-up aborts the origin at once;
// origin failures before the head give 502 JSON, after it close the player; play before publish
// waits with no timer once connected (10 s connect timeout); backpressure with the stall timeout.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Logger } from '../../shared/log.ts';
import { streamKey } from '../../shared/stream-identity.ts';
import type { BackendHealth } from '../backend-health.ts';
import type { ControlClient } from '../control-client.ts';
import { pipeThrough, type SegmentTransform } from '../relay-pipe.ts';
import { sessionMetrics } from '../session-metrics.ts';
import { parseResponseHead, playerResponseHead } from './response-head.ts';
import {
  CONNECT_TIMEOUT_MS,
  CORS_HEADERS,
  forwardedFor,
  HOP_BY_HOP,
  playerCloseReason,
  routeLiveStream,
  sendJsonError,
} from './stream-relay.ts';

export interface RawRelayOptions {
  /** Called once the request waits on the origin: it no longer counts as pending. */
  onWaiting: () => void;
  /** Called when the origin's head went to the player: the session relays. */
  onRelaying: () => void;
  writeStallMs: number;
  health?: BackendHealth;
}

/** Bytes pass as read: the origin's framing goes to the player untouched. */
const passThrough: SegmentTransform = (data, out) => {
  out.push(data);
};

/** Whether the raw relay can serve this request: a GET over HTTP/1.1 (chunked framing allowed). */
export function rawRelayable(req: IncomingMessage): boolean {
  return req.method === 'GET' && req.httpVersion === '1.1';
}

/** The origin request: the player's, minus hop-by-hop headers, Host kept, X-Forwarded-For appended. */
function originRequestHead(req: IncomingMessage): string {
  let head = `GET ${req.url ?? '/'} HTTP/1.1\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const lower = (raw[i] as string).toLowerCase();
    if (!HOP_BY_HOP.has(lower) && lower !== 'x-forwarded-for') head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  return `${head}x-forwarded-for: ${forwardedFor(req)}\r\nconnection: close\r\n\r\n`;
}

export async function relayLiveStreamRaw(
  req: IncomingMessage,
  res: ServerResponse,
  control: ControlClient,
  log: Logger,
  options: RawRelayOptions,
): Promise<void> {
  const startedAt = Date.now();
  const routed = await routeLiveStream(req, res, control, log);
  if (!routed) return;
  const { route, identity, closed } = routed;
  const player = req.socket;
  const log2 = log.child({ stream: streamKey(identity), backend: route.backend.id });
  const target = { id: route.backend.id, ...route.address };
  const { health } = options;

  const origin: Socket = connect({ host: route.address.host, port: route.address.port, noDelay: true });
  let timedOut = false;
  let relaying = false;
  let finished = false;
  let stopPipe: (() => void) | undefined;
  const connectTimer = setTimeout(() => {
    timedOut = true;
    origin.destroy(new Error('backend connect timed out'));
  }, CONNECT_TIMEOUT_MS);
  origin.once('connect', () => {
    clearTimeout(connectTimer);
    options.onWaiting();
  });
  origin.write(originRequestHead(req));

  /** The origin failed or answered something unusable before its head reached the player. */
  const refused = (reason: 'backend_refused' | 'backend_timeout', detail: string) => {
    closed(reason, detail, log2);
    health?.connectFailed(target, detail);
    origin.destroy();
    sendJsonError(res, 502, 'upstream', 'backend request failed');
  };

  let pending: Buffer | undefined;
  const onHead = (data: Buffer) => {
    pending = pending ? Buffer.concat([pending, data]) : data;
    let head: ReturnType<typeof parseResponseHead>;
    try {
      head = parseResponseHead(pending);
    } catch (err) {
      refused('backend_refused', `unusable answer: ${(err as Error).message}`);
      return;
    }
    if (!head) return;
    pending = undefined;
    origin.off('data', onHead);
    relaying = true;
    // Head and first body bytes in one segment.
    player.cork();
    player.write(playerResponseHead(head, CORS_HEADERS));
    if (head.rest.length > 0) player.write(head.rest);
    player.uncork();
    stopPipe = pipeThrough(origin, player, passThrough, (err) => res.destroy(err as Error), undefined, {
      writeStallMs: options.writeStallMs,
    });
    options.onRelaying();
    log2.info('http stream relay started', { status: head.status });
    sessionMetrics.relayStarted('http', startedAt);
  };
  origin.on('data', onHead);

  origin.on('error', (err) => {
    if (!relaying) return refused(timedOut ? 'backend_timeout' : 'backend_refused', err.message);
    closed('backend_gone', err.message, log2);
    health?.relayLost(target, err.message);
    res.destroy();
  });
  origin.on('end', () => {
    if (!relaying) return refused('backend_refused', 'backend closed before answering');
    finished = true;
    player.end();
  });
  res.once('close', () => {
    clearTimeout(connectTimer);
    stopPipe?.();
    if (finished) closed('backend_gone', 'backend ended the stream', log2);
    else closed(...playerCloseReason(res), log2);
    origin.destroy();
  });
}
