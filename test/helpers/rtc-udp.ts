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
  };
}

export function binding(username: string): Buffer {
  return encodeStun(
    {
      type: StunType.BindingRequest,
      transactionId: randomBytes(12),
      attributes: [{ type: StunAttr.Username, value: Buffer.from(username) }],
    },
    { password: 'pw', fingerprint: true },
  );
}
