// Switchyard itself for end-to-end tests: `node --import tsx process/main.ts` (what `npm start`
// runs) on free ports, plus small API helpers.
import { fileURLToPath } from 'node:url';
import { proxyPorts } from './ports.ts';
import { type Child, startProcess, waitFor, waitForTcp } from './processes.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface SwitchyardProcess {
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
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<SwitchyardProcess> {
  const { ports, env: portEnv } = await proxyPorts();
  const { rtmp: rtmpPort, http: httpPort, api: apiPort, system: systemPort, webrtc: webrtcPort, srt: srtPort } = ports;
  const proc = startProcess(process.execPath, [...nodeArgs, '--import', 'tsx', 'process/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...portEnv,
      // Tests read the session logs, whatever level the test run itself uses.
      PROXY_LOG_LEVEL: 'info',
      ...env,
    },
  });
  const remote = Boolean(env.PROXY_CONTROL_URL);
  let started = false;
  const died = proc.exited.then((code) => {
    if (!started) throw new Error(`switchyard exited with ${code}: ${proc.output()}`);
  });
  died.catch(() => {});
  await Promise.race([
    Promise.all([waitForTcp(rtmpPort, 20_000), waitForTcp(httpPort, 20_000), remote || waitForTcp(systemPort, 20_000)]),
    died,
  ]);
  started = true;
  return { rtmpPort, httpPort, apiPort, systemPort, webrtcPort, srtPort, process: proc, stop: () => proc.stop() };
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
