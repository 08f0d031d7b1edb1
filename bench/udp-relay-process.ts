// Benchmark helper process: Switchyard's WebRTC relay with every USERNAME mapped to the echo
// server named by ECHO_PORT (signalling is not what this measures); prints its port.
import { WebRtcRelay } from '../dataplane/webrtc/webrtc-relay.ts';
import { createLogger } from '../shared/log.ts';

const echoPort = Number(process.env.ECHO_PORT);
const relay = new WebRtcRelay({
  address: { host: '127.0.0.1', port: 0 },
  lookup: async (username) => ({
    username,
    backendId: 'echo',
    media: { host: '127.0.0.1', port: echoPort },
    stream: 'bench',
    kind: 'publish',
    createdAt: Date.now(),
    icePwd: 'pw',
  }),
  logger: createLogger('warn'),
});
console.log(`PORT ${await relay.start()}`);
// Ends cleanly on SIGTERM, so that a --cpu-prof profile gets written.
process.once('SIGTERM', () => void relay.close().then(() => process.exit(0)));
