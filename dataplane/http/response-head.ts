// A bounded parser for an origin's HTTP/1.x response head (status line + headers), and the
// writer of the head a player gets. The raw stream relay forwards the body bytes untouched, so
// the head is the only part of the origin's answer read here. The origin is a peer we dial, but
// its bytes still go to a player: anything that could split or smuggle a response is refused.

/** Status line plus headers; SRS and Node-Media-Server send well under 1 KiB. */
export const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;
export const MAX_RESPONSE_HEADERS = 100;

const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.[01] ([1-9]\d\d)(?: ([^\r\n]*))?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Field values: visible ASCII, obs-text, space and tab; no CR, LF or other controls. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export class ResponseHeadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResponseHeadError';
  }
}

export interface ResponseHead {
  status: number;
  reason: string;
  /** [name as sent, value], in order; names are case-insensitive. */
  headers: Array<[string, string]>;
  /** Bytes after the head: the start of the body. */
  rest: Buffer;
}

/**
 * Parses the head at the start of `data` (all bytes read so far). Returns undefined while the
 * head is incomplete; throws a ResponseHeadError for garbage or a head over the limit.
 */
export function parseResponseHead(data: Buffer, maxBytes = MAX_RESPONSE_HEAD_BYTES): ResponseHead | undefined {
  const end = data.indexOf(HEAD_END);
  if (end < 0) {
    if (data.length > maxBytes) throw new ResponseHeadError(`response head over ${maxBytes} bytes`);
    // Fail early on garbage instead of waiting for a head that never comes.
    const probe = data.subarray(0, 5).toString('latin1');
    if (!'HTTP/'.startsWith(probe)) throw new ResponseHeadError('not an HTTP response');
    return undefined;
  }
  if (end + HEAD_END.length > maxBytes) throw new ResponseHeadError(`response head over ${maxBytes} bytes`);
  const lines = data.subarray(0, end).toString('latin1').split('\r\n');
  const statusMatch = STATUS_LINE.exec(lines[0] as string);
  if (!statusMatch) throw new ResponseHeadError('bad status line');
  if (lines.length - 1 > MAX_RESPONSE_HEADERS) throw new ResponseHeadError(`over ${MAX_RESPONSE_HEADERS} headers`);
  const headers: Array<[string, string]> = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon);
    if (!TOKEN.test(name)) throw new ResponseHeadError('bad header line');
    const value = line.slice(colon + 1).trim();
    if (!FIELD_VALUE.test(value)) throw new ResponseHeadError('bad header value');
    headers.push([name, value]);
  }
  return {
    status: Number(statusMatch[1]),
    reason: statusMatch[2] ?? '',
    headers,
    rest: data.subarray(end + HEAD_END.length),
  };
}

// Connection-level headers the relay sets itself. Not Transfer-Encoding: the body goes through
// with its framing untouched, so its header must too.
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/**
 * The player's head: the origin's status and headers minus connection-level ones, plus `extra`
 * (CORS) where the origin did not send that header, and `Connection: close` (the relay does not
 * parse the body, so the connection cannot be reused after it).
 */
export function playerResponseHead(head: ResponseHead, extra: Record<string, string>): string {
  let out = `HTTP/1.1 ${head.status} ${head.reason}\r\n`;
  const sent = new Set<string>();
  // With Transfer-Encoding a Content-Length is wrong (RFC 9112 6.3): the framing sent wins.
  const framed = head.headers.some(([name]) => name.toLowerCase() === 'transfer-encoding');
  for (const [name, value] of head.headers) {
    const lower = name.toLowerCase();
    if (NOT_FORWARDED.has(lower) || (framed && lower === 'content-length')) continue;
    sent.add(lower);
    out += `${name}: ${value}\r\n`;
  }
  for (const [name, value] of Object.entries(extra)) {
    if (!sent.has(name)) out += `${name}: ${value}\r\n`;
  }
  return `${out}connection: close\r\n\r\n`;
}
