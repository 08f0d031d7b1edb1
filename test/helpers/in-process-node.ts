// A whole Switchyard node inside the test process, on free loopback ports, so tests can read its
// session counts and shorten its timeouts.
import { type NodeOverrides, type SwitchyardNode, startNode } from '../../process/node.ts';
import { parseConfig } from '../../shared/config.ts';
import { createLogger, type Logger } from '../../shared/log.ts';
import { freePort, type ProxyPorts, proxyPorts } from './ports.ts';
import { register } from './switchyard.ts';

export interface InProcessNode {
  node: SwitchyardNode;
  rtmpPort: number;
  httpPort: number;
  systemPort: number;
  srtPort: number;
  ports: ProxyPorts;
}

/** `env` adds PROXY_* settings (limits, timeouts) to the free ports. */
export async function startInProcessNode(
  logger: Logger,
  overrides: NodeOverrides = {},
  env: Record<string, string> = {},
): Promise<InProcessNode> {
  const { ports, env: portEnv } = await proxyPorts();
  const config = parseConfig({ ...portEnv, PROXY_GRACE_QUIT_TIMEOUT: '0s', ...env });
  const node = await startNode(config, logger, overrides);
  return { node, rtmpPort: ports.rtmp, httpPort: ports.http, systemPort: ports.system, srtPort: ports.srt, ports };
}

/**
 * An in-process node with one origin registered whose HTTP stream endpoint is `server` (an
 * unstarted node:http or node:net server), listening on a free loopback port.
 */
export async function startNodeWithHttpOrigin(
  server: import('node:net').Server,
  name: string,
): Promise<{ node: InProcessNode; httpPort: number }> {
  const originPort = await freePort();
  await new Promise<void>((r) => server.listen(originPort, '127.0.0.1', r));
  const node = await startInProcessNode(createLogger('error'));
  await register(node.systemPort, {
    ip: '127.0.0.1',
    server: name,
    service: 's',
    pid: '1',
    rtmp: ['1'],
    http: [String(originPort)],
  });
  return { node, httpPort: node.node.dataPlane.http.port };
}
