// Debian's ffmpeg/ffprobe as real publishers and players.
import { execFile } from 'node:child_process';
import { type Child, startProcess } from './processes.ts';

/** Publishes a generated H.264 + AAC test stream (testsrc + sine) in real time. */
export function publishTestStream(
  url: string,
  options: { seconds?: number; format?: string; bitrateK?: number; video?: 'h264' | 'hevc' } = {},
): Child {
  const bitrate = options.bitrateK ?? 500;
  const encoder = options.video === 'hevc' ? ['libx265', '-x265-params', 'log-level=error'] : ['libx264'];
  return startProcess('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-re',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=25',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=44100',
    '-t',
    String(options.seconds ?? 60),
    '-c:v',
    ...encoder,
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-g',
    '25',
    '-b:v',
    `${bitrate}k`,
    '-maxrate',
    `${bitrate}k`,
    '-bufsize',
    `${bitrate}k`,
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    '-f',
    options.format ?? 'flv',
    url,
  ]);
}

export interface ProbeResult {
  code: number | null;
  codecs: string[];
  stderr: string;
}

export function probe(url: string, timeoutSeconds = 10): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(
      'ffprobe',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-rw_timeout',
        String(timeoutSeconds * 1_000_000),
        '-show_entries',
        'stream=codec_name',
        '-of',
        'csv=p=0',
        url,
      ],
      { timeout: (timeoutSeconds + 5) * 1000 },
      (err, stdout, stderr) => {
        // HLS lists each stream once per program too; keep each codec once.
        const codecs = [
          ...new Set(
            stdout
              .split('\n')
              .map((l) => l.trim().replace(/,$/, ''))
              .filter(Boolean),
          ),
        ].sort();
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, codecs, stderr });
      },
    );
  });
}

/** Probes until both H.264 and AAC are seen (a just-started publisher needs a moment). */
export async function probeUntilAv(url: string, deadlineMs = 20_000): Promise<ProbeResult> {
  const until = Date.now() + deadlineMs;
  let last: ProbeResult = { code: null, codecs: [], stderr: '' };
  while (Date.now() < until) {
    last = await probe(url, 8);
    if (last.codecs.includes('h264') && last.codecs.includes('aac')) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  return last;
}

/** ffmpeg reading `url` (giving up after 10 s without data) with `output` options, into nothing. */
const playArgs = (url: string, output: string[]) => [
  '-hide_banner',
  '-loglevel',
  'error',
  '-rw_timeout',
  '10000000',
  '-i',
  url,
  ...output,
  '-f',
  'null',
  '-',
];

/** A player that keeps reading a stream (stream copy, no decoding) until stopped or cut. */
export function startPlayer(url: string): Child {
  return startProcess('ffmpeg', playArgs(url, ['-c', 'copy']));
}

/** Plays `seconds` of a stream, decoding everything; resolves with the exit code and stderr. */
export function playFor(url: string, seconds: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'ffmpeg',
      playArgs(url, ['-t', String(seconds)]),
      { timeout: (seconds + 20) * 1000 },
      (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}
