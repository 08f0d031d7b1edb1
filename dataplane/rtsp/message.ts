// RTSP/1.0 message heads (RFC 2326): a pure codec for requests and responses, no sockets. Parsing
// is strict and bounded because a player port is the public internet: one start line, at most
// MAX_HEADERS `Name: value` lines, no folding, no control characters, and a CSeq on every request.

import type { CloseReason } from '../close-reason.ts';

export const MAX_HEAD_BYTES = 8 * 1024;
export const MAX_HEADERS = 64;
/** Bodies an RTSP play session carries (SDP, GET_PARAMETER names) are small. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Something the client sent that the proxy answers with `status` and then closes the session. */
export class RtspStatusError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    /** Why the session ends; by default bad_input for 4xx and backend_refused for 5xx. */
    readonly closeReason: CloseReason = status >= 500 ? 'backend_refused' : 'bad_input',
  ) {
    super(message);
    this.name = 'RtspStatusError';
  }
}

export type Headers = Array<[name: string, value: string]>;

export interface RtspRequest {
  method: string;
  url: string;
  headers: Headers;
  body: Buffer;
}

export interface RtspResponse {
  status: number;
  reason: string;
  headers: Headers;
  body: Buffer;
}

const CRLF2 = Buffer.from('\r\n\r\n');
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/**
 * Where the head ending at the first blank line stops (the offset after CRLFCRLF), or -1 when
 * more bytes are needed. Throws when `max` bytes hold no complete head.
 */
export function headLength(buffer: Buffer, max = MAX_HEAD_BYTES): number {
  const end = buffer.indexOf(CRLF2);
  if (end >= 0 && end + 4 <= max) return end + 4;
  if (end >= 0 || buffer.length >= max) {
    throw new RtspStatusError(400, 'Bad Request', `request head longer than ${max} bytes`);
  }
  return -1;
}

/** The value of the first header named `name` (case-insensitive), or undefined. */
export function header(headers: Headers, name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}

/** Replaces (or appends) header `name`, or removes it when `value` is undefined. */
export function setHeader(headers: Headers, name: string, value: string | undefined): void {
  const lower = name.toLowerCase();
  const at = headers.findIndex(([n]) => n.toLowerCase() === lower);
  if (value === undefined) {
    if (at >= 0) headers.splice(at, 1);
  } else if (at >= 0) {
    headers[at] = [headers[at]?.[0] ?? name, value];
  } else {
    headers.push([name, value]);
  }
}

function parseHeaders(lines: string[]): Headers {
  if (lines.length > MAX_HEADERS) throw new RtspStatusError(400, 'Bad Request', `more than ${MAX_HEADERS} headers`);
  const headers: Headers = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    const value = line.slice(colon + 1).trim();
    if (!TOKEN.test(name) || CONTROL.test(value)) {
      throw new RtspStatusError(400, 'Bad Request', `malformed header line "${line.slice(0, 40)}"`);
    }
    headers.push([name, value]);
  }
  return headers;
}

/** Content-Length of a head: 0 when absent; throws when malformed or above `max`. */
export function contentLength(headers: Headers, max = MAX_BODY_BYTES): number {
  const text = header(headers, 'Content-Length');
  if (text === undefined) return 0;
  if (!/^\d{1,9}$/.test(text)) throw new RtspStatusError(400, 'Bad Request', `bad Content-Length "${text}"`);
  const n = Number(text);
  if (n > max) throw new RtspStatusError(413, 'Request Entity Too Large', `body of ${n} bytes (limit ${max})`);
  return n;
}

function splitLines(head: Buffer): string[] {
  // latin1: every byte maps to one character, so bytes survive a parse/serialize round trip.
  return head.toString('latin1', 0, head.length - 4).split('\r\n');
}

/** A request head (its bytes up to and including CRLFCRLF). Checks CSeq; the body is left empty. */
export function parseRequestHead(head: Buffer): RtspRequest {
  const [start = '', ...rest] = splitLines(head);
  const match = /^([A-Z_]{1,32}) (\S{1,4096}) RTSP\/1\.0$/.exec(start);
  if (!match) {
    const version = /^\S+ \S+ (\S+)$/.exec(start)?.[1];
    if (version?.startsWith('RTSP/')) {
      throw new RtspStatusError(505, 'RTSP Version Not Supported', `version ${version.slice(0, 16)}`);
    }
    throw new RtspStatusError(400, 'Bad Request', `malformed request line "${start.slice(0, 60)}"`);
  }
  const headers = parseHeaders(rest);
  const cseq = header(headers, 'CSeq');
  if (cseq === undefined || !/^\d{1,9}$/.test(cseq)) {
    throw new RtspStatusError(400, 'Bad Request', cseq === undefined ? 'missing CSeq' : 'malformed CSeq');
  }
  return { method: match[1] as string, url: match[2] as string, headers, body: Buffer.alloc(0) };
}

/** A response head from an origin; the body is left empty. */
export function parseResponseHead(head: Buffer): RtspResponse {
  const [start = '', ...rest] = splitLines(head);
  const match = /^RTSP\/1\.0 (\d{3}) ?(.*)$/.exec(start);
  if (!match) throw new RtspStatusError(502, 'Bad Gateway', `malformed status line "${start.slice(0, 60)}"`);
  return { status: Number(match[1]), reason: match[2] ?? '', headers: parseHeaders(rest), body: Buffer.alloc(0) };
}

function serialize(start: string, headers: Headers, body: Buffer): Buffer {
  let text = `${start}\r\n`;
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'content-length') text += `${name}: ${value}\r\n`;
  }
  if (body.length > 0) text += `Content-Length: ${body.length}\r\n`;
  text += '\r\n';
  const head = Buffer.from(text, 'latin1');
  return body.length > 0 ? Buffer.concat([head, body]) : head;
}

export function serializeRequest(request: RtspRequest): Buffer {
  return serialize(`${request.method} ${request.url} RTSP/1.0`, request.headers, request.body);
}

export function serializeResponse(response: RtspResponse): Buffer {
  return serialize(`RTSP/1.0 ${response.status} ${response.reason}`, response.headers, response.body);
}

/** A proxy-made answer: status, CSeq when the request had one, and extra headers. */
export function statusResponse(status: number, reason: string, cseq?: string, extra: Headers = []): Buffer {
  const headers: Headers = cseq === undefined ? [] : [['CSeq', cseq]];
  headers.push(['Server', 'Switchyard'], ...extra);
  return serializeResponse({ status, reason, headers, body: Buffer.alloc(0) });
}
