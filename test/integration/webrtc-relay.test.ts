// The WebRTC UDP relay over real sockets: session by STUN USERNAME, intact large datagrams,
// re-association on address change, idle expiry, DELETE, and garbage that changes nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { encodeStun, StunAttr, StunType } from '../../dataplane/webrtc/stun.ts';
import { WebRtcRelay } from '../../dataplane/webrtc/webrtc-relay.ts';
import { createLogger } from '../../shared/log.ts';
import { freeUdpPort } from '../helpers/ports.ts';
import { waitFor } from '../helpers/processes.ts';
import { binding, echoSession, rtcCloses } from '../helpers/rtc-udp.ts';
import { startUdpEcho, type UdpEcho, udpClient } from '../helpers/udp.ts';

let echo: UdpEcho;
let relay: WebRtcRelay;
let relayPort: number;
let lookups = 0;
const revoked = new Set<string>();
const logs: string[] = [];

/** `username: reason` of every `webrtc session closed` line so far. */
const closes = () => rtcCloses(logs);

before(async () => {
  echo = await startUdpEcho();
  relay = new WebRtcRelay({
    address: { host: '127.0.0.1', port: await freeUdpPort() },
    lookup: async (username) => {
      lookups++;
      return username.startsWith('ans') && !revoked.has(username) ? echoSession(username, echo.port) : null;
    },
    logger: createLogger('debug', {}, (l) => logs.push(l)),
    idleMs: 600,
    revalidateMs: 150,
  });
  relayPort = await relay.start();
});

after(async () => {
  await relay?.close();
  await echo?.close();
});

describe('WebRTC UDP relay', () => {
  it('drops garbage, truncated STUN and unknown usernames without creating sessions', async () => {
    const c = await udpClient();
    c.send(Buffer.from([0x16, 0xfe, 0xfd, 0, 0]), relayPort); // DTLS-looking, unknown address
    c.send(binding('ans-x:y').subarray(0, 30), relayPort); // truncated STUN
    c.send(randomBytes(1500), relayPort);
    c.send(binding('nobody:x'), relayPort);
    for (let i = 0; i < 500; i++) c.send(randomBytes(1 + (i % 200)), relayPort);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(relay.sessionCount, 0);
    assert.equal(c.messages.length, 0);
    assert.ok(logs.some((l) => l.includes('webrtc datagram dropped')));
    await c.close();
  });

  it('opens a session on the first binding request and relays both ways, large datagrams intact', async () => {
    const c = await udpClient();
    c.send(binding('ans1:off1'), relayPort);
    await waitFor('echo of the binding request', async () => c.messages.length >= 1);
    assert.equal(relay.sessionCount, 1);
    const big = randomBytes(60_000);
    c.send(big, relayPort);
    await waitFor('echo of 60000 bytes', async () => c.messages.some((m) => m.length === 60_000));
    assert.ok(c.messages.find((m) => m.length === 60_000)?.equals(big));
    await c.close();
  });

  it('re-associates a client that changes address by its next binding request', async () => {
    const a = await udpClient();
    a.send(binding('ans2:off2'), relayPort);
    await waitFor('first echo', async () => a.messages.length >= 1);
    const lookupsBefore = lookups;
    const b = await udpClient();
    b.send(binding('ans2:off2'), relayPort);
    await waitFor('echo at the new address', async () => b.messages.length >= 1);
    assert.equal(lookups, lookupsBefore, 'a known session needs no new lookup');
    const countA = a.messages.length;
    b.send(Buffer.from('after-move'), relayPort);
    await waitFor('payload echo', async () => b.messages.some((m) => m.toString() === 'after-move'));
    assert.equal(a.messages.length, countA);
    await Promise.all([a.close(), b.close()]);
  });

  it('moves a session only for a binding request that proves the ICE password', async () => {
    const owner = await udpClient();
    owner.send(binding('ans5:off5'), relayPort);
    await waitFor('first echo', async () => owner.messages.length >= 1);
    const attacker = await udpClient();
    // The username alone, or signed with a guessed password, from a new address: dropped.
    const bare = encodeStun({
      type: StunType.BindingRequest,
      transactionId: randomBytes(12),
      attributes: [{ type: StunAttr.Username, value: Buffer.from('ans5:off5') }],
    });
    attacker.send(bare, relayPort);
    attacker.send(binding('ans5:off5', 'guess'), relayPort);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(attacker.messages.length, 0, 'nothing reaches the attacker');
    owner.send(Buffer.from('still-mine'), relayPort);
    await waitFor('the owner keeps the session', async () => owner.messages.some((m) => m.toString() === 'still-mine'));
    // A new session needs the proof on its first request too.
    const stranger = await udpClient();
    stranger.send(binding('ans6:off6', 'guess'), relayPort);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(stranger.messages.length, 0);
    assert.equal(relay.listener.get('ans6:off6'), undefined);
    await Promise.all([owner.close(), attacker.close(), stranger.close()]);
  });

  it('ends a session the control plane no longer knows (DELETE on another instance)', async () => {
    const c = await udpClient();
    c.send(binding('ans4:off4'), relayPort);
    await waitFor('session', async () => c.messages.length >= 1);
    revoked.add('ans4:off4');
    // Its own entry, not the count: other tests' sessions may close on idle meanwhile.
    await waitFor('revalidation closed it', async () => relay.listener.get('ans4:off4') === undefined, 2000);
    assert.ok(closes().includes('ans4:off4: deleted'), closes().join('\n'));
    await c.close();
  });

  it('closes idle sessions and DELETEd sessions, releasing their sockets', async () => {
    const c = await udpClient();
    c.send(binding('ans3:off3'), relayPort);
    await waitFor('session', async () => c.messages.length >= 1);
    relay.closeByUsername('ans3:off3');
    assert.ok(closes().includes('ans3:off3: deleted'), closes().join('\n'));
    await waitFor('idle expiry of every session', async () => relay.sessionCount === 0, 5000);
    assert.ok(closes().includes('ans1:off1: idle'), closes().join('\n'));
    assert.deepEqual(relay.listener.indexSizes, { sessions: 0, byAddress: 0, byKey: 0 });
    await c.close();
  });
});
