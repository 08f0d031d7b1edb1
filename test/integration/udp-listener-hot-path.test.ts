// What the UDP listener's per-datagram shortcuts must not cost, over real sockets: the idle sweep
// reads the clock itself (a datagram only sets a flag), yet a session that keeps sending is never
// idle and a quiet one closes no sooner than its idle timeout; a session's origin socket is
// connected, so the kernel drops what another sender sends to it; the public socket answers
// IP literals without dns.lookup (IPv4 and IPv6) and still binds to a host name.
import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { after, beforeEach, describe, it } from 'node:test';
import { WebRtcRelay } from '../../dataplane/webrtc/webrtc-relay.ts';
import { createLogger } from '../../shared/log.ts';
import { waitFor } from '../helpers/processes.ts';
import { binding, echoSession, rtcCloses } from '../helpers/rtc-udp.ts';
import { type UdpClient, udpClient } from '../helpers/udp.ts';

const logs: string[] = [];
const logger = createLogger('debug', {}, (l) => logs.push(l));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sockets: Socket[] = [];
const clients: UdpClient[] = [];
const relays: WebRtcRelay[] = [];

/** A UDP echo origin that remembers where the relay sends from (the session's origin socket). */
async function recordingOrigin(): Promise<{ socket: Socket; port: number; relaySide: () => RemoteInfo | undefined }> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  let relaySide: RemoteInfo | undefined;
  socket.on('message', (msg, rinfo) => {
    relaySide = rinfo;
    socket.send(msg, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { socket, port: socket.address().port, relaySide: () => relaySide };
}

async function startRelay(originPort: number, host = '127.0.0.1', idleMs = 60_000): Promise<[WebRtcRelay, number]> {
  const relay = new WebRtcRelay({
    address: { host, port: 0 },
    lookup: async (username) => echoSession(username, originPort),
    logger,
    idleMs,
  });
  relays.push(relay);
  return [relay, await relay.start()];
}

async function client(): Promise<UdpClient> {
  const c = await udpClient();
  clients.push(c);
  return c;
}

beforeEach(() => {
  logs.length = 0;
});

after(async () => {
  await Promise.all(relays.map((r) => r.close()));
  await Promise.all(clients.map((c) => c.close()));
  for (const s of sockets) s.close();
});

describe('UDP listener hot path', () => {
  it('a session that keeps sending outlives its idle timeout; quiet, it closes no sooner than the timeout', async () => {
    const origin = await recordingOrigin();
    const [relay, port] = await startRelay(origin.port, '127.0.0.1', 300);
    const c = await client();
    c.send(binding('busy:x'), port);
    await waitFor('first echo', async () => c.messages.length >= 1);
    const until = Date.now() + 1_200;
    while (Date.now() < until) {
      c.send(Buffer.from('tick'), port);
      await sleep(50);
    }
    assert.equal(relay.sessionCount, 1, 'a session sending every 50 ms is not idle');
    assert.deepEqual(rtcCloses(logs), []);

    const quietFrom = Date.now();
    await waitFor('idle expiry', async () => relay.sessionCount === 0, 3_000);
    const quiet = Date.now() - quietFrom;
    assert.ok(quiet >= 295, `closed after ${quiet} ms of silence, before the 300 ms idle timeout`);
    assert.deepEqual(rtcCloses(logs), ['busy:x: idle']);
  });

  it("a session's origin socket takes datagrams from its origin only: another sender reaches no client", async () => {
    const origin = await recordingOrigin();
    const [relay, port] = await startRelay(origin.port);
    const c = await client();
    c.send(binding('conn:x'), port);
    await waitFor('first echo', async () => c.messages.length >= 1);
    const relaySide = origin.relaySide();
    assert.ok(relaySide, 'the origin saw the relay');

    // Sent first, so a relayed forgery would reach the client before the genuine datagram.
    const stranger = await client();
    stranger.send(Buffer.from('forged'), relaySide.port);
    origin.socket.send(Buffer.from('genuine'), relaySide.port, relaySide.address);
    await waitFor('the genuine datagram', async () => c.messages.some((m) => m.toString() === 'genuine'));
    assert.deepEqual(
      c.messages.slice(1).map((m) => m.toString()),
      ['genuine'],
    );
    assert.equal(relay.listener.get('conn:x')?.packetsDown, 2);
  });

  it('answers IPv6 clients through a listener on ::1', async () => {
    const origin = await recordingOrigin();
    const [, port] = await startRelay(origin.port, '::1');
    const c = createSocket('udp6');
    sockets.push(c);
    const got: Buffer[] = [];
    c.on('message', (m) => got.push(m));
    await new Promise<void>((r) => c.bind(0, '::1', r));
    c.send(binding('six:x'), port, '::1');
    await waitFor('first echo over IPv6', async () => got.length >= 1);
    c.send(Buffer.from('v6 payload'), port, '::1');
    await waitFor('payload echoed over IPv6', async () => got.some((m) => m.toString() === 'v6 payload'));
  });

  it('binds to a host name (resolved by dns.lookup) and relays', async () => {
    const origin = await recordingOrigin();
    const [relay, port] = await startRelay(origin.port, 'localhost');
    const c = await client();
    c.send(binding('named:x'), port);
    await waitFor('first echo through a listener bound to localhost', async () => c.messages.length >= 1);
    assert.equal(relay.sessionCount, 1);
  });
});
