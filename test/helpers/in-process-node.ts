// A whole Switchyard node inside the test process, on free loopback ports, so tests can read its
// session counts and shorten its timeouts.
import { type NodeOverrides, type SwitchyardNode, startNode } from '../../dataplane/node.ts';
import { parseConfig } from '../../shared/config.ts';
import type { Logger } from '../../shared/log.ts';
import { freePort, freeUdpPort } from './ports.ts';

export interface InProcessNode {
  node: SwitchyardNode;
  rtmpPort: number;
  systemPort: number;
  srtPort: number;
}

export async function startInProcessNode(logger: Logger, overrides: NodeOverrides = {}): Promise<InProcessNode> {
  const [rtmp, http, api, system] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const [webrtc, srt] = [await freeUdpPort(), await freeUdpPort()];
  const config = parseConfig({
    PROXY_RTMP_SERVER: `127.0.0.1:${rtmp}`,
    PROXY_HTTP_SERVER: `127.0.0.1:${http}`,
    PROXY_HTTP_API: `127.0.0.1:${api}`,
    PROXY_SYSTEM_API: `127.0.0.1:${system}`,
    PROXY_WEBRTC_SERVER: `127.0.0.1:${webrtc}`,
    PROXY_SRT_SERVER: `127.0.0.1:${srt}`,
    PROXY_GRACE_QUIT_TIMEOUT: '0s',
  });
  const node = await startNode(config, logger, overrides);
  return { node, rtmpPort: rtmp as number, systemPort: system as number, srtPort: srt };
}
