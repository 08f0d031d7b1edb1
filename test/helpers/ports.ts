// Free loopback ports for test servers.

import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/**
 * Ports handed out in this process: the OS may return a just-closed port again, and two servers
 * given the same port would make a readiness probe succeed against the wrong one.
 */
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await probePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function probePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A port free for both TCP and UDP (SRT/WebRTC listeners). */
export async function freeUdpPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}

export interface ProxyPorts {
  rtmp: number;
  http: number;
  api: number;
  system: number;
  webrtc: number;
  srt: number;
  rtsp: number;
}

/** Free loopback ports for every Switchyard listener, and the PROXY_* variables naming them. */
export async function proxyPorts(): Promise<{ ports: ProxyPorts; env: Record<string, string> }> {
  const ports: ProxyPorts = {
    rtmp: await freePort(),
    http: await freePort(),
    api: await freePort(),
    system: await freePort(),
    webrtc: await freeUdpPort(),
    srt: await freeUdpPort(),
    rtsp: await freePort(),
  };
  const env = {
    PROXY_RTMP_SERVER: `127.0.0.1:${ports.rtmp}`,
    PROXY_HTTP_SERVER: `127.0.0.1:${ports.http}`,
    PROXY_HTTP_API: `127.0.0.1:${ports.api}`,
    PROXY_SYSTEM_API: `127.0.0.1:${ports.system}`,
    PROXY_WEBRTC_SERVER: `127.0.0.1:${ports.webrtc}`,
    PROXY_SRT_SERVER: `127.0.0.1:${ports.srt}`,
    PROXY_RTSP_SERVER: `127.0.0.1:${ports.rtsp}`,
  };
  return { ports, env };
}
