// Inputs for WebRTC relay tests over plain UDP: the session the control plane would store for an
// ICE username, with a UDP echo as its origin, and the binding request that names it.
import { randomBytes } from 'node:crypto';
import { encodeStun, StunAttr, StunType } from '../../dataplane/webrtc/stun.ts';
import type { RtcSession } from '../../shared/api-types.ts';

export function echoSession(username: string, echoPort: number): RtcSession {
  return {
    username,
    backendId: 'echo',
    media: { host: '127.0.0.1', port: echoPort },
    stream: '__defaultVhost__/live/s',
    kind: 'play',
    createdAt: Date.now(),
    icePwd: ICE_PWD,
  };
}

/** The origin's ICE password of every test session; binding requests carry its MESSAGE-INTEGRITY. */
export const ICE_PWD = 'pw';

/**
 * `<username>: <reason>` of every `webrtc session closed` line. The username is logged only at
 * debug (`webrtc session username`), so close lines are matched to it by session id.
 */
export function rtcCloses(logs: string[]): string[] {
  const lines = logs.map((l) => JSON.parse(l) as { msg: string; cid?: string; username?: string; reason?: string });
  const names = new Map(lines.filter((l) => l.msg === 'webrtc session username').map((l) => [l.cid, l.username]));
  return lines.filter((l) => l.msg === 'webrtc session closed').map((l) => `${names.get(l.cid)}: ${l.reason}`);
}

/** A binding request naming `username`, signed with `password` (the session's by default). */
export function binding(username: string, password = ICE_PWD): Buffer {
  return encodeStun(
    {
      type: StunType.BindingRequest,
      transactionId: randomBytes(12),
      attributes: [{ type: StunAttr.Username, value: Buffer.from(username) }],
    },
    { password, fingerprint: true },
  );
}
