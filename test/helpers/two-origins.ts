// Switchyard (`npm start`'s entry) with two registered RTMP/HTTP-FLV origins, nginx-rtmp and
// Node-Media-Server, for the origin-failure tests (one origin is killed, the other takes over).
import assert from 'node:assert/strict';
import { type NginxOrigin, startNginxRtmp } from './nginx-rtmp.ts';
import { type NmsOrigin, startNodeMediaServer } from './node-media-server.ts';
import { originBody, register, type SwitchyardProcess, startSwitchyard } from './switchyard.ts';

export interface TwoOrigins {
  nginx: NginxOrigin;
  nms: NmsOrigin;
  sy: SwitchyardProcess;
  stop(): Promise<void>;
}

export async function startTwoOrigins(): Promise<TwoOrigins> {
  const [nginx, nms, sy] = await Promise.all([startNginxRtmp(), startNodeMediaServer(), startSwitchyard()]);
  for (const body of [
    originBody('nginx', { rtmp: nginx.rtmpPort, http: nginx.httpPort }),
    originBody('nms', { rtmp: nms.rtmpPort, http: nms.httpPort }),
  ])
    assert.equal((await register(sy.systemPort, body)).status, 200);
  return { nginx, nms, sy, stop: async () => void (await Promise.all([sy.stop(), nginx.stop(), nms.stop()])) };
}
