// Lifetimes of relayed UDP sessions over real sockets: close is idempotent and leaves no map entry
// and no socket behind; the idle sweep ends sessions with `idle`; an origin that never finishes
// its handshake ends an SRT session with `backend_timeout`; closing a listener ends every session
// with `shutdown` and resolves only once every origin socket and the public socket are closed;
// a node's shutdown awaits its UDP listeners.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Admission } from '../../dataplane/admission.ts';
import { inProcessControlClient } from '../../dataplane/control-client.ts';
import { decodeHandshake, encodeHandshake, HandshakeType } from '../../dataplane/srt/handshake.ts';
import { SrtRelay } from '../../dataplane/srt/srt-relay.ts';
import { WebRtcRelay } from '../../dataplane/webrtc/webrtc-relay.ts';
import { createLogger } from '../../shared/log.ts';
import { postJson, testControl } from '../helpers/control-app.ts';
import { startInProcessNode } from '../helpers/in-process-node.ts';
import { waitFor } from '../helpers/processes.ts';
import { binding, echoSession, rtcCloses } from '../helpers/rtc-udp.ts';
import { induct, nextMessage, withStreamId } from '../helpers/srt-caller.ts';
import { startSrtIngestOrigin } from '../helpers/srt-origin.ts';
import { register } from '../helpers/switchyard.ts';
import { startUdpEcho, type UdpClient, type UdpEcho, udpClient } from '../helpers/udp.ts';

const EMPTY = { sessions: 0, byAddress: 0, byKey: 0 };
const logs: string[] = [];
const logger = createLogger('debug', {}, (l) => logs.push(l));

/** Open UDP sockets of this process, once closed handles are gone from the event loop. */
async function udpSockets(): Promise<number> {
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  return process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
}

/** `<key field>: <reason>` of every close line with message `msg`. */
function closes(msg: string, key: 'client'): string[] {
  return logs
    .map((l) => JSON.parse(l) as { msg: string; reason: string } & Record<string, string>)
    .filter((l) => l.msg === msg)
    .map((l) => `${l[key]}: ${l.reason}`);
}

/** A UDP "origin" that counts what it receives and never answers. */
async function silentOrigin(): Promise<{ socket: Socket; port: number; received: () => number }> {
  const socket = createSocket('udp4');
  let received = 0;
  socket.on('message', () => received++);
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { socket, port: socket.address().port, received: () => received };
}

let echo: UdpEcho;
const clients: UdpClient[] = [];
/** Every relay a test starts; closed again after all tests, whatever failed. */
const relays: Array<WebRtcRelay | SrtRelay> = [];

before(async () => {
  echo = await startUdpEcho();
});

beforeEach(() => {
  logs.length = 0;
});

after(async () => {
  await Promise.all(relays.map((r) => r.close()));
  await Promise.all(clients.map((c) => c.close()));
  await echo?.close();
});

async function client(): Promise<UdpClient> {
  const c = await udpClient();
  clients.push(c);
  return c;
}

function webrtcRelay(idleMs = 60_000): WebRtcRelay {
  const relay = new WebRtcRelay({
    address: { host: '127.0.0.1', port: 0 },
    lookup: async (username) => echoSession(username, echo.port),
    logger,
    idleMs,
  });
  relays.push(relay);
  return relay;
}

/** Opens a WebRTC session for `username` from a new client and waits for its first echo. */
async function openRtc(port: number, username: string): Promise<UdpClient> {
  const c = await client();
  c.send(binding(username), port);
  await waitFor(`echo for ${username}`, async () => c.messages.length >= 1);
  return c;
}

describe('WebRTC session lifetime', () => {
  it('close is idempotent, logs once and leaves no map entry and no origin socket', async () => {
    const relay = webrtcRelay();
    const port = await relay.start();
    const a = await openRtc(port, 'life-a:x');
    const b = await openRtc(port, 'life-b:x');
    // A moved client: its old address must not stay in the address map either.
    const moved = await client();
    moved.send(binding('life-a:x'), port);
    await waitFor('echo at the new address', async () => moved.messages.length >= 1);
    assert.deepEqual(relay.listener.indexSizes, { sessions: 2, byAddress: 2, byKey: 2 });
    const sockets = await udpSockets();

    const session = relay.listener.get('life-a:x');
    assert.ok(session);
    session.close('deleted', 'test');
    session.close('idle', 'again');
    relay.closeByUsername('life-a:x');
    await session.closed;
    assert.ok(session.isClosed);
    assert.deepEqual(rtcCloses(logs), ['life-a:x: deleted']);
    assert.deepEqual(relay.listener.indexSizes, { sessions: 1, byAddress: 1, byKey: 1 });
    assert.equal(relay.listener.get('life-a:x'), undefined);
    assert.equal(await udpSockets(), sockets - 1, 'the origin socket is closed');

    // Neither address of the closed session reaches an origin any more; the other session does.
    const echoed = echo.received;
    a.send(Buffer.from('late'), port);
    moved.send(Buffer.from('late'), port);
    b.send(Buffer.from('alive'), port);
    await waitFor('echo of the live session', async () => b.messages.some((m) => m.toString() === 'alive'));
    assert.equal(echo.received, echoed + 1);

    await relay.close();
    assert.deepEqual(relay.listener.indexSizes, EMPTY);
  });

  it('the idle sweep closes quiet sessions with `idle`', async () => {
    const relay = webrtcRelay(300);
    const port = await relay.start();
    await openRtc(port, 'quiet:x');
    await waitFor('idle expiry', async () => relay.sessionCount === 0, 3000);
    assert.deepEqual(rtcCloses(logs), ['quiet:x: idle']);
    assert.deepEqual(relay.listener.indexSizes, EMPTY);
    await relay.close();
  });

  it('closing the relay ends every session with `shutdown` and resolves once every socket is closed', async () => {
    const before = await udpSockets();
    const relay = webrtcRelay();
    const port = await relay.start();
    const sessions = [];
    for (const name of ['s1:x', 's2:x', 's3:x']) {
      await openRtc(port, name);
      sessions.push(relay.listener.get(name));
    }
    assert.equal(await udpSockets(), before + 1 + 3 + 3, 'public socket, 3 origin sockets, 3 clients');
    await Promise.all([relay.close(), relay.close()]);
    assert.ok(sessions.every((s) => s?.isClosed));
    assert.deepEqual(relay.listener.indexSizes, EMPTY);
    assert.deepEqual(rtcCloses(logs).sort(), ['s1:x: shutdown', 's2:x: shutdown', 's3:x: shutdown']);
    assert.equal(await udpSockets(), before + 3, 'only the test clients are left');
    await relay.close();
  });
});

describe('SRT session lifetime', () => {
  const control = testControl();
  let origin: Awaited<ReturnType<typeof silentOrigin>>;

  before(async () => {
    origin = await silentOrigin();
    const body = { ip: '127.0.0.1', server: 'silent', service: 's', pid: '1', rtmp: ['1'], srt: [String(origin.port)] };
    const res = await control.app.request('/api/v1/srs/register', postJson(body));
    assert.equal(res.status, 200, await res.text());
  });

  after(() => new Promise<void>((r) => origin.socket.close(() => r())));

  function srtRelay(backendHandshakeMs: number, idleMs?: number, app = control.app, admission?: Admission): SrtRelay {
    const relay = new SrtRelay({
      address: { host: '127.0.0.1', port: 0 },
      control: inProcessControlClient(app),
      logger,
      backendHandshakeMs,
      idleMs,
      admission,
    });
    relays.push(relay);
    return relay;
  }

  /** A caller whose conclusion the relay takes: the session then calls the stream's origin. */
  async function caller(port: number, stream = 's'): Promise<UdpClient> {
    const c = await client();
    const hs = await induct(c, port);
    c.send(encodeHandshake(withStreamId(hs, `#!::r=live/${stream},m=publish`)), port);
    return c;
  }

  it('an established session whose caller falls silent ends with `idle`', async () => {
    const real = await startSrtIngestOrigin();
    const own = testControl();
    const body = { ip: '127.0.0.1', server: 'slt', service: 's', pid: '1', rtmp: ['1'], srt: [String(real.srtPort)] };
    assert.equal((await own.app.request('/api/v1/srs/register', postJson(body))).status, 200);
    const relay = srtRelay(5_000, 400, own.app);
    try {
      const port = await relay.start();
      const c = await caller(port, 'quiet');
      assert.equal(decodeHandshake(await nextMessage(c, 3000)).type, HandshakeType.Conclusion);
      await waitFor('idle expiry', async () => relay.sessionCount === 0, 3000);
      assert.deepEqual(closes('srt session closed', 'client'), [`127.0.0.1:${c.port}: idle`]);
      assert.deepEqual(relay.listener.indexSizes, EMPTY);
    } finally {
      await relay.close();
      await real.stop();
    }
  });

  it('an origin that never answers ends the session with `backend_timeout` and a rejection', async () => {
    const relay = srtRelay(300);
    const port = await relay.start();
    const c = await caller(port);
    assert.equal(decodeHandshake(await nextMessage(c, 3000)).type, 1503);
    assert.deepEqual(closes('srt session closed', 'client'), [`127.0.0.1:${c.port}: backend_timeout`]);
    assert.deepEqual(relay.listener.indexSizes, EMPTY);
    await relay.close();
  });

  it('handshakes pending from one address are bounded by the node admission, and released', async () => {
    const admission = new Admission({ maxPending: 100, maxPendingPerSource: 2 });
    const relay = srtRelay(60_000, undefined, control.app, admission);
    const port = await relay.start();
    await caller(port);
    await caller(port);
    await waitFor('two sessions pending', async () => admission.pending === 2, 2000);
    const third = await caller(port);
    assert.equal(decodeHandshake(await nextMessage(third, 2000)).type, 1503, 'refused with SRT_REJX_UNAVAILABLE');
    assert.equal(relay.sessionCount, 2);
    await relay.close();
    assert.equal(admission.pending, 0, 'closing the sessions released their admission');
  });

  it('closing the relay mid-handshake closes the origin sockets and stops the retries', async () => {
    const before = await udpSockets();
    const relay = srtRelay(60_000);
    const port = await relay.start();
    const callers = [await caller(port), await caller(port)];
    const start = origin.received();
    await waitFor('inductions retried at the origin', async () => origin.received() >= start + 4, 3000);
    assert.equal(relay.sessionCount, 2);
    assert.equal(await udpSockets(), before + 1 + 2 + 2, 'public socket, 2 origin sockets, 2 callers');
    await relay.close();
    assert.deepEqual(relay.listener.indexSizes, EMPTY);
    assert.deepEqual(
      closes('srt session closed', 'client').sort(),
      callers.map((c) => `127.0.0.1:${c.port}: shutdown`).sort(),
    );
    assert.equal(await udpSockets(), before + 2, 'only the test callers are left');
    const stopped = origin.received();
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(origin.received(), stopped, 'no retry after close');
  });
});

describe('node shutdown', () => {
  it('awaits the UDP listeners: every UDP socket of the node is closed when it resolves', async () => {
    const before = await udpSockets();
    const origin = await silentOrigin();
    const node = await startInProcessNode(createLogger('silent'));
    const { srt, webrtc } = node.node.dataPlane;
    try {
      const body = {
        ip: '127.0.0.1',
        server: 'silent',
        service: 's',
        pid: '1',
        rtmp: ['1'],
        srt: [String(origin.port)],
      };
      await register(node.systemPort, body);
      const c = await client();
      const hs = await induct(c, node.srtPort);
      c.send(encodeHandshake(withStreamId(hs, '#!::r=live/s,m=publish')), node.srtPort);
      await waitFor('the session calls the origin', async () => origin.received() > 0, 3000);
      assert.equal(srt.sessionCount, 1);
    } finally {
      await node.node.shutdown();
      await new Promise<void>((r) => origin.socket.close(() => r()));
    }
    assert.deepEqual(srt.listener.indexSizes, EMPTY);
    assert.deepEqual(webrtc.listener.indexSizes, EMPTY);
    assert.equal(await udpSockets(), before + 1, 'only the test caller is left');
  });
});
