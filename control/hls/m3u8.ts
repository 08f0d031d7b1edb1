// HLS playlists (RFC 8216 and its LL-HLS additions) as a line model: parse, map URIs, serialize.
// Pure. Anything that is not a playlist is rejected rather than passed through blind.
//
//   #EXTM3U                         required first line
//   #EXT-X-KEY:METHOD=AES-128,URI="k.key"     tag with an attribute list
//   #EXTINF:2.000,title             tag with a plain value
//   segment-1.ts?x=1                URI line (segment or variant playlist)

import { BadRequestError } from '../../shared/errors.ts';

export type PlaylistLine =
  | { kind: 'tag'; name: string; value?: string }
  | { kind: 'uri'; uri: string }
  | { kind: 'comment'; text: string }
  | { kind: 'blank' };

export interface Playlist {
  lines: PlaylistLine[];
  /** Keeps the source's line ending (CRLF or LF). */
  eol: '\n' | '\r\n';
}

/** Tags whose attribute list may carry a URI="..." attribute. */
export const URI_TAGS = new Set([
  'EXT-X-MAP',
  'EXT-X-KEY',
  'EXT-X-SESSION-KEY',
  'EXT-X-MEDIA',
  'EXT-X-PART',
  'EXT-X-PRELOAD-HINT',
  'EXT-X-I-FRAME-STREAM-INF',
  'EXT-X-RENDITION-REPORT',
  'EXT-X-SESSION-DATA',
]);

const MAX_PLAYLIST_BYTES = 4 * 1024 * 1024;
const MAX_LINE = 64 * 1024;

export function parsePlaylist(text: string): Playlist {
  if (text.length > MAX_PLAYLIST_BYTES) throw new BadRequestError('playlist larger than 4 MiB');
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const eol = body.includes('\r\n') ? '\r\n' : '\n';
  const raw = body.split(/\r?\n/);
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  if (raw[0]?.trim() !== '#EXTM3U') throw new BadRequestError('not an HLS playlist: first line is not #EXTM3U');
  const lines: PlaylistLine[] = [];
  for (const rawLine of raw) {
    const line = rawLine.trim();
    if (line.length > MAX_LINE) throw new BadRequestError('playlist line longer than 64 KiB');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters mark a binary body
    if (/[\u0000-\u0008\u000e-\u001f]/.test(line)) throw new BadRequestError('playlist contains control characters');
    if (line === '') lines.push({ kind: 'blank' });
    else if (line.startsWith('#EXT')) {
      const colon = line.indexOf(':');
      lines.push(
        colon < 0
          ? { kind: 'tag', name: line.slice(1) }
          : { kind: 'tag', name: line.slice(1, colon), value: line.slice(colon + 1) },
      );
    } else if (line.startsWith('#')) lines.push({ kind: 'comment', text: line });
    else lines.push({ kind: 'uri', uri: line });
  }
  return { lines, eol };
}

export function serializePlaylist(playlist: Playlist): string {
  const out = playlist.lines.map((l) => {
    switch (l.kind) {
      case 'tag':
        return l.value === undefined ? `#${l.name}` : `#${l.name}:${l.value}`;
      case 'uri':
        return l.uri;
      case 'comment':
        return l.text;
      default:
        return '';
    }
  });
  return out.join(playlist.eol) + playlist.eol;
}

/** Replaces the URI="..." attribute of an attribute list, leaving every other byte alone. */
function mapUriAttribute(value: string, map: (uri: string) => string): string {
  let out = '';
  let at = 0;
  while (at < value.length) {
    const eq = value.indexOf('=', at);
    if (eq < 0) return out + value.slice(at);
    const name = value.slice(at, eq).trim();
    out += value.slice(at, eq + 1);
    let end: number;
    if (value[eq + 1] === '"') {
      const close = value.indexOf('"', eq + 2);
      if (close < 0) throw new BadRequestError('unterminated quoted attribute in playlist');
      const quoted = value.slice(eq + 2, close);
      out += `"${name === 'URI' ? map(quoted) : quoted}"`;
      end = close + 1;
    } else {
      const comma = value.indexOf(',', eq + 1);
      end = comma < 0 ? value.length : comma;
      out += value.slice(eq + 1, end);
    }
    if (value[end] === ',') {
      out += ',';
      end++;
    }
    at = end;
  }
  return out;
}

/** Maps every URI in the playlist: URI lines and URI attributes of the tags that carry one. */
export function mapPlaylistUris(playlist: Playlist, map: (uri: string) => string): Playlist {
  return {
    eol: playlist.eol,
    lines: playlist.lines.map((l) => {
      if (l.kind === 'uri') return { kind: 'uri', uri: map(l.uri) };
      if (l.kind === 'tag' && l.value !== undefined && URI_TAGS.has(l.name)) {
        return { kind: 'tag', name: l.name, value: mapUriAttribute(l.value, map) };
      }
      return l;
    }),
  };
}
