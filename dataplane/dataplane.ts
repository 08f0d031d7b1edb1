// The data plane of one node: its listeners and their sessions, started and stopped together.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/log.ts';
import { Admission } from './admission.ts';
import { BackendHealth } from './backend-health.ts';
import type { CloseReason } from './close-reason.ts';
import type { ControlClient } from './control-client.ts';
import { createFallbackApp } from './http/fallback-app.ts';
import { type HttpStreamServer, startHttpStreamServer } from './http/listener.ts';
import { type RtmpListener, startRtmpListener } from './rtmp/listener.ts';
import { DEFAULT_RTMP_TIMEOUTS, type RtmpTimeouts } from './rtmp/session.ts';
import { type RtspListener, startRtspListener } from './rtsp/listener.ts';
import { DEFAULT_RTSP_TIMEOUTS, type RtspTimeouts } from './rtsp/session.ts';
import { SrtRelay } from './srt/srt-relay.ts';
import { WebRtcRelay } from './webrtc/webrtc-relay.ts';

/**
 * Which listeners a process runs. A cluster (PROXY_WORKERS) splits them: workers share the TCP
 * ports, one process keeps the UDP ones (their sessions are keyed by the client's address).
 */
export interface ListenerSet {
  tcp: boolean;
  udp: boolean;
}

/** The listeners a process runs: absent when it runs no TCP (or no UDP) listeners. */
export interface ListenerPlane {
  rtmp?: RtmpListener;
  rtsp?: RtspListener;
  http?: HttpStreamServer;
  webrtc?: WebRtcRelay;
  srt?: SrtRelay;
  /** Sessions not relaying yet, shared by the listeners. */
  admission: Admission;
  activeSessions(): number;
  /** No new clients on any listener; live sessions go on. */
  stopAccepting(): Promise<void>;
  /** Ends every session; resolves once the UDP listeners and their sockets are closed. */
  closeAll(reason: CloseReason): Promise<void>;
}

/** Every listener: one process serving all protocols. */
export interface DataPlane extends ListenerPlane {
  rtmp: RtmpListener;
  rtsp: RtspListener;
  http: HttpStreamServer;
  webrtc: WebRtcRelay;
  srt: SrtRelay;
}

export interface DataPlaneOptions {
  config: Pick<Config, 'rtmp' | 'rtsp' | 'httpServer' | 'staticFiles' | 'webrtc' | 'srt' | 'limits'>;
  control: ControlClient;
  logger: Logger;
  version: string;
  /** Handles non-stream requests on the HTTP port after static files. */
  httpNext: (request: Request, env: unknown) => Response | Promise<Response>;
  /** Takes a non-stream request straight from node:http before static files and httpNext, or declines. */
  httpDirect?: (req: IncomingMessage, res: ServerResponse) => boolean;
  rtmpTimeouts?: RtmpTimeouts;
  rtspTimeouts?: RtspTimeouts;
  /** All of them by default. */
  listeners?: ListenerSet;
  /** True while the node drains; WebRTC checks it itself (the others are refused at routing). */
  draining?: () => boolean;
}

interface TcpListeners {
  rtmp: RtmpListener;
  rtsp: RtspListener;
  http: HttpStreamServer;
}

export function startDataPlane(options: DataPlaneOptions & { listeners?: undefined }): Promise<DataPlane>;
export function startDataPlane(options: DataPlaneOptions): Promise<ListenerPlane>;
export async function startDataPlane(options: DataPlaneOptions): Promise<ListenerPlane> {
  const logger = options.logger.child({ plane: 'data' });
  const { limits } = options.config;
  const admission = new Admission(limits);
  const health = new BackendHealth(options.control, logger);
  // A listener that fails to bind closes the ones already open, so a failed start leaves nothing.
  const opened: Array<() => Promise<void>> = [];
  const listeners = options.listeners ?? { tcp: true, udp: true };
  try {
    let tcp: TcpListeners | undefined;
    if (listeners.tcp) {
      tcp = await startTcpListeners(options, admission, health, logger, opened);
    }
    let webrtc: WebRtcRelay | undefined;
    let srt: SrtRelay | undefined;
    if (listeners.udp) {
      const relay = new WebRtcRelay({
        address: options.config.webrtc,
        lookup: (username) => options.control.rtcSession(username),
        logger: logger.child({ proto: 'webrtc' }),
        draining: options.draining,
      });
      await relay.start();
      webrtc = relay;
      opened.push(() => relay.close());
      srt = new SrtRelay({
        address: options.config.srt,
        control: options.control,
        logger: logger.child({ proto: 'srt' }),
        admission,
      });
      await srt.start();
    }
    const { rtmp, rtsp, http } = tcp ?? {};
    return {
      rtmp,
      rtsp,
      http,
      webrtc,
      srt,
      admission,
      activeSessions: () =>
        (rtmp?.sessions.size ?? 0) +
        (rtsp?.sessions.size ?? 0) +
        (http?.activeStreams() ?? 0) +
        (webrtc?.sessionCount ?? 0) +
        (srt?.sessionCount ?? 0),
      stopAccepting: async () => {
        webrtc?.stopAccepting();
        srt?.stopAccepting();
        await Promise.all([rtmp?.stopAccepting(), rtsp?.stopAccepting(), http?.stopAccepting()]);
      },
      closeAll: async (reason) => {
        rtmp?.closeAll(reason);
        rtsp?.closeAll(reason);
        http?.closeAll();
        await Promise.all([webrtc?.close(), srt?.close()]);
      },
    };
  } catch (err) {
    await Promise.all(opened.map((close) => close().catch(() => {})));
    throw err;
  }
}

/** RTMP, RTSP and HTTP streams; each one opened is pushed onto `opened` for rollback. */
async function startTcpListeners(
  options: DataPlaneOptions,
  admission: Admission,
  health: BackendHealth,
  logger: Logger,
  opened: Array<() => Promise<void>>,
): Promise<TcpListeners> {
  const { limits } = options.config;
  const rtmp = await startRtmpListener(options.config.rtmp, {
    control: options.control,
    health,
    logger: logger.child({ proto: 'rtmp' }),
    timeouts: options.rtmpTimeouts ?? DEFAULT_RTMP_TIMEOUTS,
    version: options.version,
    admission,
    limits,
  });
  opened.push(() => rtmp.stopAccepting());
  const rtsp = await startRtspListener(options.config.rtsp, {
    control: options.control,
    logger: logger.child({ proto: 'rtsp' }),
    timeouts: options.rtspTimeouts ?? DEFAULT_RTSP_TIMEOUTS,
    admission,
    limits,
  });
  opened.push(() => rtsp.stopAccepting());
  const fallback = createFallbackApp({ staticDir: options.config.staticFiles, next: options.httpNext });
  const http = await startHttpStreamServer(options.config.httpServer, {
    control: options.control,
    health,
    logger: logger.child({ proto: 'http' }),
    fallback: (req, env) => fallback.fetch(req, env),
    direct: options.httpDirect,
    admission,
    limits,
  });
  opened.push(() => http.stopAccepting());
  return { rtmp, rtsp, http };
}
