// Switchyard itself for end-to-end tests: `node --import tsx process/main.ts` (what `npm start`
// runs) on free ports, plus small API helpers.
import { fileURLToPath } from 'node:url';
import { bundlePath } from './bundle.ts';
import type { ListeningPorts } from './listening-ports.ts';
import { type ProxyPorts, proxyPorts } from './ports.ts';
import { type Child, startProcess, waitFor, waitForTcp } from './processes.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface SwitchyardProcess {
  ports: ProxyPorts;
  rtmpPort: number;
  httpPort: number;
  apiPort: number;
  systemPort: number;
  webrtcPort: number;
  srtPort: number;
  process: Child;
  stop(): Promise<void>;
}

export async function startSwitchyard(
  /** Settings, or a function of the ports it will use (e.g. a URL naming its own system port). */
  envOrFn: Record<string, string> | ((ports: ProxyPorts) => Record<string, string>) = {},
  nodeArgs: string[] = [],
  /** `bundle`: the shipped dist/switchyard.mjs (built if stale) instead of the sources under tsx. */
  entry: 'sources' | 'bundle' = 'sources',
): Promise<SwitchyardProcess> {
  const { ports, env: portEnv } = await proxyPorts();
  const env = typeof envOrFn === 'function' ? envOrFn(ports) : envOrFn;
  const { rtmp: rtmpPort, http: httpPort, api: apiPort, system: systemPort, webrtc: webrtcPort, srt: srtPort } = ports;
  const program = entry === 'bundle' ? [bundlePath('switchyard.mjs')] : ['--import', 'tsx', 'process/main.ts'];
  const proc = startProcess(process.execPath, [...nodeArgs, ...program], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...portEnv,
      // Tests read the session logs, whatever level the test run itself uses.
      PROXY_LOG_LEVEL: 'info',
      // stop() ends it at once rather than waiting out live sessions (test/integration/bundle.test.ts covers the drain).
      PROXY_GRACE_QUIT_TIMEOUT: '0s',
      ...env,
    },
  });
  const level = env.PROXY_LOG_LEVEL ?? 'info';
  await waitUntilListening(proc, ports, {
    remote: Boolean(env.PROXY_CONTROL_URL),
    logsInfo: level === 'info' || level === 'debug',
  });
  return {
    ports,
    rtmpPort,
    httpPort,
    apiPort,
    systemPort,
    webrtcPort,
    srtPort,
    process: proc,
    stop: () => proc.stop(),
  };
}

/**
 * Waits until a Switchyard process listens on all its ports: its TCP ports accept connections and,
 * at log level info, it has logged that the data plane (whose UDP relays bind last) listens.
 * Fails at once, with the exit code and stderr, if the process dies first.
 */
export async function waitUntilListening(
  proc: Child,
  ports: ProxyPorts,
  options: { remote?: boolean; logsInfo?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  // A remote control plane serves the API port; this process does not (its system port is its own).
  await Promise.all(ownListeners(ports, options).tcp.map((port) => waitForTcp(port, timeoutMs, proc)));
  if (options.logsInfo === false) return;
  const listening = async () => proc.output().includes('"msg":"data plane listening"');
  await waitFor('the data plane to listen', listening, timeoutMs, proc);
}

/** The sockets a Switchyard process given `ports` must hold, and no others (see listening-ports.ts). */
export function ownListeners(ports: ProxyPorts, options: { remote?: boolean } = {}): ListeningPorts {
  const tcp = options.remote
    ? [ports.rtmp, ports.http, ports.rtsp, ports.system]
    : [ports.rtmp, ports.http, ports.rtsp, ports.api, ports.system];
  return { tcp: tcp.sort((a, b) => a - b), udp: [ports.webrtc, ports.srt].sort((a, b) => a - b) };
}

export async function register(
  systemPort: number,
  body: Record<string, unknown>,
  path = '/api/v1/srs/register',
): Promise<Response> {
  return fetch(`http://127.0.0.1:${systemPort}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

export function originBody(server: string, ports: { rtmp: number; http?: number }): Record<string, unknown> {
  return {
    ip: '127.0.0.1',
    server,
    service: `${server}-svc`,
    pid: '1',
    rtmp: [String(ports.rtmp)],
    ...(ports.http ? { http: [String(ports.http)] } : {}),
  };
}

/** Finds a stream name the control plane binds to `backendId` (the binding is then sticky). */
export async function streamBoundTo(systemPort: number, backendId: string, prefix: string): Promise<string> {
  return waitFor(`a stream bound to ${backendId}`, async () => {
    for (let i = 0; i < 64; i++) {
      const stream = `${prefix}${i}`;
      const res = await fetch(`http://127.0.0.1:${systemPort}/api/v1/routes`, {
        method: 'POST',
        body: JSON.stringify({ vhost: '__defaultVhost__', app: 'live', stream, proto: 'rtmp' }),
      });
      const body = (await res.json()) as { backend?: { id: string } };
      if (body.backend?.id === backendId) return stream;
    }
    return undefined;
  });
}
