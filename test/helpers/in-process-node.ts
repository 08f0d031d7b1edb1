// A whole Switchyard node inside the test process, on free loopback ports, so tests can read its
// session counts and shorten its timeouts.
import { type NodeOverrides, type SwitchyardNode, startNode } from '../../process/node.ts';
import { parseConfig } from '../../shared/config.ts';
import type { Logger } from '../../shared/log.ts';
import { type ProxyPorts, proxyPorts } from './ports.ts';

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
