// The data plane of one node: its listeners and their sessions, started and stopped together.

import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/log.ts';
import { Admission } from './admission.ts';
import type { CloseReason } from './close-reason.ts';
import type { ControlClient } from './control-client.ts';
import { createFallbackApp } from './http/fallback-app.ts';
import { type HttpStreamServer, startHttpStreamServer } from './http/listener.ts';
import { type RtmpListener, startRtmpListener } from './rtmp/listener.ts';
import { DEFAULT_RTMP_TIMEOUTS, type RtmpTimeouts } from './rtmp/session.ts';
import { SrtRelay } from './srt/srt-relay.ts';
import { WebRtcRelay } from './webrtc/webrtc-relay.ts';

export interface DataPlane {
  rtmp: RtmpListener;
  http: HttpStreamServer;
  webrtc: WebRtcRelay;
  srt: SrtRelay;
  /** Sessions not relaying yet, shared by the listeners. */
  admission: Admission;
  activeSessions(): number;
  /** No new clients on any listener; live sessions go on. */
  stopAccepting(): Promise<void>;
  /** Ends every session; resolves once the UDP listeners and their sockets are closed. */
  closeAll(reason: CloseReason): Promise<void>;
}

export interface DataPlaneOptions {
  config: Pick<Config, 'rtmp' | 'httpServer' | 'staticFiles' | 'webrtc' | 'srt' | 'limits'>;
  control: ControlClient;
  logger: Logger;
  version: string;
  /** Handles non-stream requests on the HTTP port after static files. */
  httpNext: (request: Request, env: unknown) => Response | Promise<Response>;
  rtmpTimeouts?: RtmpTimeouts;
  /** True while the node drains; WebRTC checks it itself (the others are refused at routing). */
  draining?: () => boolean;
}

export async function startDataPlane(options: DataPlaneOptions): Promise<DataPlane> {
  const logger = options.logger.child({ plane: 'data' });
  const { limits } = options.config;
  const admission = new Admission(limits);
  // A listener that fails to bind closes the ones already open, so a failed start leaves nothing.
  const opened: Array<() => Promise<void>> = [];
  try {
    const rtmp = await startRtmpListener(options.config.rtmp, {
      control: options.control,
      logger: logger.child({ proto: 'rtmp' }),
      timeouts: options.rtmpTimeouts ?? DEFAULT_RTMP_TIMEOUTS,
      version: options.version,
      admission,
      limits,
    });
    opened.push(() => rtmp.stopAccepting());
    const fallback = createFallbackApp({ staticDir: options.config.staticFiles, next: options.httpNext });
    const http = await startHttpStreamServer(options.config.httpServer, {
      control: options.control,
      logger: logger.child({ proto: 'http' }),
      fallback: (req, env) => fallback.fetch(req, env),
      admission,
      limits,
    });
    opened.push(() => http.stopAccepting());
    const webrtc = new WebRtcRelay({
      address: options.config.webrtc,
      lookup: (username) => options.control.rtcSession(username),
      logger: logger.child({ proto: 'webrtc' }),
      draining: options.draining,
    });
    await webrtc.start();
    opened.push(() => webrtc.close());
    const srt = new SrtRelay({
      address: options.config.srt,
      control: options.control,
      logger: logger.child({ proto: 'srt' }),
      admission,
    });
    await srt.start();
    return {
      rtmp,
      http,
      webrtc,
      srt,
      admission,
      activeSessions: () => rtmp.sessions.size + http.activeStreams() + webrtc.sessionCount + srt.sessionCount,
      stopAccepting: async () => {
        webrtc.stopAccepting();
        srt.stopAccepting();
        await Promise.all([rtmp.stopAccepting(), http.stopAccepting()]);
      },
      closeAll: async (reason) => {
        rtmp.closeAll(reason);
        http.closeAll();
        await Promise.all([webrtc.close(), srt.close()]);
      },
    };
  } catch (err) {
    await Promise.all(opened.map((close) => close().catch(() => {})));
    throw err;
  }
}
