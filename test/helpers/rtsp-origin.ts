// A real RTSP origin: GStreamer's RTSP server (rtsp-origin.py under Debian's /usr/bin/python3,
// which has python3-gi and gir1.2-gst-rtsp-server-1.0) on a free loopback port, serving an
// H.264 + AAC test pattern at /live/<name> for each name. Plus ffprobe/ffmpeg RTSP players.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.ts';
import { type Child, startProcess, waitFor } from './processes.ts';

const SCRIPT = fileURLToPath(new URL('./rtsp-origin.py', import.meta.url));

export interface RtspOrigin {
  port: number;
  child: Child;
  stop(): Promise<void>;
}

export async function startRtspOrigin(names: string[] = ['cam']): Promise<RtspOrigin> {
  const port = await freePort();
  const child = startProcess('/usr/bin/python3', [SCRIPT, String(port), ...names]);
  await waitFor('the GStreamer RTSP origin', async () => child.output().includes('ready'), 15_000, child);
  return { port, child, stop: () => child.stop() };
}

/** A registration body for the origin: RTMP is required by registration, RTSP is what is served. */
export function rtspOriginBody(server: string, rtspPort: number): Record<string, unknown> {
  return { ip: '127.0.0.1', server, service: `${server}-svc`, pid: '1', rtmp: ['1'], rtsp: [`tcp://:${rtspPort}`] };
}

export interface RtspProbe {
  code: number | null;
  codecs: string[];
  stderr: string;
  /** From start to ffprobe's exit, ms. */
  ms: number;
}

/** ffprobe over RTSP with `transport` (tcp, udp, or ffmpeg's default: UDP then TCP). */
export function probeRtsp(url: string, transport?: 'tcp' | 'udp'): Promise<RtspProbe> {
  const started = Date.now();
  const args = ['-hide_banner', '-loglevel', 'error', '-timeout', '8000000'];
  if (transport) args.push('-rtsp_transport', transport);
  args.push('-show_entries', 'stream=codec_name', '-of', 'csv=p=0', url);
  return new Promise((resolve) => {
    execFile('ffprobe', args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const codecs = stdout
        .split('\n')
        .map((l) => l.trim().replace(/,$/, ''))
        .filter(Boolean)
        .sort();
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, codecs, stderr, ms: Date.now() - started });
    });
  });
}

/** Decodes `seconds` of an RTSP stream over TCP with ffmpeg; resolves with the exit code and stderr. */
export function playRtspFor(url: string, seconds: number): Promise<{ code: number | null; stderr: string }> {
  const args = ['-hide_banner', '-loglevel', 'error', '-timeout', '8000000', '-rtsp_transport', 'tcp'];
  args.push('-i', url, '-t', String(seconds), '-f', 'null', '-');
  return new Promise((resolve) => {
    execFile('ffmpeg', args, { timeout: (seconds + 20) * 1000 }, (err, _stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}
