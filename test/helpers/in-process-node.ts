// A whole Switchyard node inside the test process, on free loopback ports, so tests can read its
// session counts and shorten its timeouts.
import { type NodeOverrides, type SwitchyardNode, startNode } from '../../process/node.ts';
import { parseConfig } from '../../shared/config.ts';
import type { Logger } from '../../shared/log.ts';
import { type ProxyPorts, proxyPorts } from './ports.ts';

export interface InProcessNode {
  node: SwitchyardNode;
  rtmpPort: number;
  systemPort: number;
  srtPort: number;
  ports: ProxyPorts;
}

export async function startInProcessNode(logger: Logger, overrides: NodeOverrides = {}): Promise<InProcessNode> {
  const { ports, env } = await proxyPorts();
  const config = parseConfig({ ...env, PROXY_GRACE_QUIT_TIMEOUT: '0s' });
  const node = await startNode(config, logger, overrides);
  return { node, rtmpPort: ports.rtmp, systemPort: ports.system, srtPort: ports.srt, ports };
}
