// Stream identity (`vhost/app/stream`) as SRS defines it, derived from each protocol's request.
// The stream name's query string is not part of the identity but is kept so it can be forwarded
// to the origin untouched (SRS checks `?secret=...` in its auth hooks).

import { BadRequestError } from './errors.ts';

export const DEFAULT_VHOST = '__defaultVhost__';

export interface StreamIdentity {
  vhost: string;
  app: string;
  stream: string;
  /** The client's query string without the leading `?` ('' when none), forwarded to the origin. */
  query: string;
}

/** Live-stream extensions an HTTP path may carry; stripped from the stream name. */
export const HTTP_STREAM_EXTENSIONS = ['.flv', '.ts', '.m3u8', '.mp4', '.m4s', '.aac', '.mp3'] as const;

const MAX_PART_LENGTH = 256;

export function streamKey(id: Pick<StreamIdentity, 'vhost' | 'app' | 'stream'>): string {
  return `${id.vhost}/${id.app}/${id.stream}`;
}

/** Splits `a?b` into ['a', 'b']; the query is '' when absent. */
export function splitQuery(text: string): [string, string] {
  const at = text.indexOf('?');
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/** The host part of a Host header or URL authority, without port and brackets. */
export function hostWithoutPort(authority: string): string {
  const text = authority.trim().toLowerCase();
  if (text.startsWith('[')) return text.slice(1, text.indexOf(']') < 0 ? undefined : text.indexOf(']'));
  const colons = text.split(':').length - 1;
  if (colons === 1) return text.slice(0, text.indexOf(':'));
  return text;
}

/**
 * The vhost a request host names: a domain name is a vhost; an IP address, `localhost` or no
 * host at all means the default vhost (SRS matches an unknown host to it too).
 */
export function vhostFromHost(authority: string | undefined): string {
  if (!authority) return DEFAULT_VHOST;
  const host = hostWithoutPort(authority);
  if (!host || host === 'localhost' || isIpLiteral(host)) return DEFAULT_VHOST;
  return host;
}

function vhostParam(query: string): string | undefined {
  if (!query) return undefined;
  const params = new URLSearchParams(query);
  const value = params.get('vhost') || params.get('domain');
  // SRS treats `vhost=__defaultVhost__` as no vhost given.
  return value && value !== DEFAULT_VHOST ? value.toLowerCase() : undefined;
}

function checkPart(name: string, value: string): string {
  if (!value) throw new BadRequestError(`missing ${name}`);
  if (value.length > MAX_PART_LENGTH) throw new BadRequestError(`${name} longer than ${MAX_PART_LENGTH} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
  if (/[\u0000-\u001f\u007f]/.test(value) || value.includes('..'))
    throw new BadRequestError(`invalid ${name} "${value}"`);
  return value;
}

function build(vhost: string, app: string, stream: string, query: string): StreamIdentity {
  return {
    vhost: checkPart('vhost', vhost),
    app: checkPart('app', app.replace(/^\/+|\/+$/g, '')),
    stream: checkPart('stream', stream),
    query,
  };
}

/** SRS's app when a tcUrl names none (`rtmp://host/stream`). */
export const DEFAULT_APP = '__defaultApp__';

const TC_URL = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)(.*)$/i;

/**
 * The app a tcUrl names, as a client library would send it in connect's `app` when it sends one:
 * the path after the host (query kept, as ffmpeg does), or SRS's default app.
 */
export function appFromTcUrl(tcUrl: string): string {
  const match = TC_URL.exec(tcUrl.trim());
  if (!match) throw new BadRequestError(`invalid tcUrl "${tcUrl}"`);
  const app = (match[2] ?? '').replace(/^\/+/, '');
  return app || DEFAULT_APP;
}

/**
 * RTMP, as SRS parses it (srs_discovery_tc_url): tcUrl and publish/play name are one URL,
 * `rtmp://host[:port]/app[/app2][?q]` + `/` + `stream[?q]`; a query the client put in the tcUrl
 * (`rtmp://h/live?k=v/stream`, or `#k=v`) moves behind the stream; `/_definst_` is dropped. The
 * stream is the last path segment and the app the rest (a name `a/b` makes app `live/a`).
 * `vhost=` (or `domain=`, unless it names the default vhost) wins over the host, the stream's
 * over the tcUrl's. connect's `app` property plays no part, as in SRS.
 */
export function streamFromRtmp(tcUrl: string, streamName: string): StreamIdentity {
  const match = TC_URL.exec(tcUrl.trim());
  if (!match) throw new BadRequestError(`invalid tcUrl "${tcUrl}"`);
  const [, authority = '', tcRest = ''] = match;
  const name = streamName.trim();
  const [nameOnly, nameQuery] = splitQuery(name);
  if (!nameOnly) throw new BadRequestError('missing stream');
  const q = tcRest.search(/[?#]/);
  const tcPath = q < 0 ? tcRest : tcRest.slice(0, q);
  const tcQuery = q < 0 ? '' : tcRest.slice(q + 1).replace(/^[?#]+/, '');
  const full = `${tcPath.replace(/\/+$/, '')}/${nameOnly.replace(/^\/+/, '')}`.replaceAll('/_definst_', '');
  const path = decodeSafe(full);
  const slash = path.lastIndexOf('/');
  const app = path.slice(0, slash).replace(/^\/+/, '') || DEFAULT_APP;
  const query = [tcQuery, nameQuery].filter(Boolean).join('&');
  const vhost = vhostParam(nameQuery) ?? vhostParam(tcQuery) ?? vhostFromHost(authority);
  return build(vhost, app, path.slice(slash + 1), query);
}

/**
 * HTTP: `/app/stream.flv` (any live extension) and the Host header; `?app=&stream=` (WHIP/WHEP)
 * takes precedence over the path, `?vhost=` over the host.
 */
export function streamFromHttp(host: string | undefined, pathAndQuery: string): StreamIdentity {
  const [rawPath, query] = splitQuery(pathAndQuery);
  const params = new URLSearchParams(query);
  const vhost = vhostParam(query) ?? vhostFromHost(host);
  const appParam = params.get('app');
  const streamParam = params.get('stream');
  if (appParam && streamParam) return build(vhost, appParam, stripExtension(streamParam), query);

  const path = decodeSafe(rawPath);
  const slash = path.lastIndexOf('/');
  if (slash <= 0) throw new BadRequestError(`path "${rawPath}" has no /app/stream`);
  return build(vhost, path.slice(0, slash), stripExtension(path.slice(slash + 1)), query);
}

export interface SrtStreamRequest {
  identity: StreamIdentity;
  mode: 'publish' | 'request';
}

/**
 * SRT stream id, in SRS's accepted forms: `#!::r=app/stream,m=publish,h=vhost,key=value`
 * (other keys become the forwarded query) and the plain `app/stream?m=publish&key=value`.
 * A missing `m` means play.
 */
export function streamFromSrtId(rawStreamId: string): SrtStreamRequest {
  // Some callers percent-encode the whole id (%23!::...); libsrt passes it through as is.
  const streamId = /^%23!/i.test(rawStreamId) ? decodeSafe(rawStreamId) : rawStreamId;
  let resource: string;
  let host: string | undefined;
  let mode: string | undefined;
  const extra = new URLSearchParams();
  if (streamId.startsWith('#!::')) {
    resource = '';
    for (const pair of streamId.slice(4).split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const key = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (key === 'r') resource = value;
      else if (key === 'h') host = value;
      else if (key === 'm') mode = value;
      else extra.append(key, value);
    }
    // SRS also accepts `h=app/stream` (or `h=vhost/app/stream`) without `r`.
    if (!resource && host?.includes('/')) {
      resource = host;
      host = undefined;
    }
  } else {
    const [path, query] = splitQuery(streamId);
    resource = path;
    new URLSearchParams(query).forEach((value, key) => {
      if (key === 'm') mode = value;
      else extra.append(key, value);
    });
  }
  if (mode !== undefined && mode !== 'publish' && mode !== 'request' && mode !== 'play') {
    throw new BadRequestError(`invalid SRT mode "${mode}"`);
  }
  const [path, resourceQuery] = splitQuery(resource);
  for (const [key, value] of new URLSearchParams(resourceQuery)) extra.append(key, value);
  const query = extra.toString();
  const slash = path.lastIndexOf('/');
  if (slash <= 0) throw new BadRequestError(`SRT stream id "${streamId}" has no app/stream`);
  const vhost = vhostParam(query) ?? (host ? vhostFromHost(host) : DEFAULT_VHOST);
  return {
    identity: build(vhost, path.slice(0, slash), path.slice(slash + 1), query),
    mode: mode === 'publish' ? 'publish' : 'request',
  };
}

function stripExtension(name: string): string {
  const lower = name.toLowerCase();
  for (const ext of HTTP_STREAM_EXTENSIONS) {
    if (lower.endsWith(ext)) return name.slice(0, -ext.length);
  }
  return name;
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new BadRequestError(`invalid percent-encoding in "${text}"`);
  }
}
