// SRT origins from srt-tools: a listener that forwards what callers publish to a UDP collector
// (so the test can decode it), and a listener that serves an ffmpeg-generated stream to callers.
import { createSocket } from 'node:dgram';
import { publishTestStream } from './ffmpeg.ts';
import { freeUdpPort } from './ports.ts';
import { type Child, startProcess } from './processes.ts';

export interface SrtIngestOrigin {
  srtPort: number;
  process: Child;
  bytes(): Buffer;
  stop(): Promise<void>;
}

export async function startSrtIngestOrigin(options: { passphrase?: string } = {}): Promise<SrtIngestOrigin> {
  const collector = createSocket('udp4');
  const chunks: Buffer[] = [];
  collector.on('message', (m) => chunks.push(m));
  await new Promise<void>((r) => collector.bind(0, '127.0.0.1', r));
  const srtPort = await freeUdpPort();
  const secure = options.passphrase ? `&passphrase=${options.passphrase}&pbkeylen=16` : '';
  const proc = startProcess('srt-live-transmit', [
    '-q',
    '-a:yes',
    `srt://127.0.0.1:${srtPort}?mode=listener${secure}`,
    `udp://127.0.0.1:${collector.address().port}`,
  ]);
  await new Promise((r) => setTimeout(r, 300));
  return {
    srtPort,
    process: proc,
    bytes: () => Buffer.concat(chunks),
    stop: async () => {
      await proc.stop();
      collector.close();
    },
  };
}

export interface SrtPlayOrigin {
  srtPort: number;
  stop(): Promise<void>;
}

/** A listener serving a live MPEG-TS test stream (ffmpeg -> udp -> srt-live-transmit). */
export async function startSrtPlayOrigin(options: { video?: 'h264' | 'hevc' } = {}): Promise<SrtPlayOrigin> {
  const [udpPort, srtPort] = [await freeUdpPort(), await freeUdpPort()];
  const proc: Child = startProcess('srt-live-transmit', [
    '-q',
    '-a:yes',
    `udp://127.0.0.1:${udpPort}`,
    `srt://127.0.0.1:${srtPort}?mode=listener`,
  ]);
  const feeder = publishTestStream(`udp://127.0.0.1:${udpPort}?pkt_size=1316`, {
    seconds: 120,
    format: 'mpegts',
    video: options.video,
  });
  await new Promise((r) => setTimeout(r, 500));
  return {
    srtPort,
    stop: async () => {
      await feeder.stop();
      await proc.stop();
    },
  };
}

/** A registration body for an origin reached over SRT only (its RTMP port is never dialled). */
export function srtOriginBody(server: string, srtPort: number): Record<string, unknown> {
  return { ip: '127.0.0.1', server, service: 's', pid: '1', rtmp: ['1935'], srt: [`udp://0.0.0.0:${srtPort}`] };
}
