// Turns a listener that could not bind into a start-up error naming the setting to change,
// instead of a stack trace: "PROXY_SRT_SERVER=20080 is in use".

import type { Config } from '../shared/config.ts';
import { ConfigError } from '../shared/errors.ts';

type Ports = Pick<Config, 'rtmp' | 'httpServer' | 'httpApi' | 'systemApi' | 'webrtc' | 'srt' | 'rtsp'>;

const TCP_SETTINGS = [
  ['PROXY_RTMP_SERVER', 'rtmp'],
  ['PROXY_HTTP_SERVER', 'httpServer'],
  ['PROXY_HTTP_API', 'httpApi'],
  ['PROXY_SYSTEM_API', 'systemApi'],
  ['PROXY_RTSP_SERVER', 'rtsp'],
] as const;
const UDP_SETTINGS = [
  ['PROXY_WEBRTC_SERVER', 'webrtc'],
  ['PROXY_SRT_SERVER', 'srt'],
] as const;

const REASONS: Record<string, string> = {
  EADDRINUSE: 'is in use',
  EACCES: 'needs privileges this process lacks',
  EADDRNOTAVAIL: 'names an address this host does not have',
};

/** A ConfigError naming the setting behind a failed bind, or the error unchanged. */
export function describeListenError(err: unknown, config: Readonly<Ports>): unknown {
  const e = err as NodeJS.ErrnoException & { port?: number };
  const reason = e?.code ? REASONS[e.code] : undefined;
  if (!reason || typeof e.port !== 'number') return err;
  // dgram reports syscall "bind"; net servers report "listen".
  const settings = e.syscall === 'bind' ? UDP_SETTINGS : TCP_SETTINGS;
  const match = settings.find(([, key]) => config[key].port === e.port);
  if (!match) return err;
  const [variable, key] = match;
  const host = config[key].host;
  const value = host && host !== '0.0.0.0' ? `${host}:${e.port}` : String(e.port);
  return new ConfigError(`${variable}=${value} ${reason}`);
}
