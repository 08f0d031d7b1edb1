// Hostile SRT input: garbage, conclusions without or with oversized stream ids, forged cookies,
// an induction flood from many ports, and callers with no backend. None of it creates state or
// disturbs a real publisher relayed by the same node.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeHandshake, encodeHandshake, HandshakeType } from '../../dataplane/srt/handshake.ts';
import { createLogger } from '../../shared/log.ts';
import { probe, publishTestStream } from '../helpers/ffmpeg.ts';
import { type InProcessNode, startInProcessNode } from '../helpers/in-process-node.ts';
import { waitFor } from '../helpers/processes.ts';
import { CONCLUSION, INDUCTION, induct, nextMessage, withStreamId } from '../helpers/srt-caller.ts';
import { type SrtIngestOrigin, startSrtIngestOrigin } from '../helpers/srt-origin.ts';
import { register } from '../helpers/switchyard.ts';
import { udpClient } from '../helpers/udp.ts';

interface TestNode extends InProcessNode {
  /** The node's log records, parsed. */
  logs: Array<Record<string, unknown>>;
}

async function startTestNode(): Promise<TestNode> {
  const logs: Array<Record<string, unknown>> = [];
  const node = await startInProcessNode(createLogger('info', {}, (line) => logs.push(JSON.parse(line))));
  return { ...node, logs };
}

/** The close reason codes of a node's log lines with message `msg`. */
function reasons(node: TestNode, msg: string): string[] {
  return node.logs.filter((l) => l.msg === msg).map((l) => String(l.reason ?? ''));
}

/** Relay sessions that started and have not closed, by session id, from the node's log. */
function liveSrtSessions(node: TestNode): Array<Record<string, unknown>> {
  const closed = new Set(node.logs.filter((l) => l.msg === 'srt session closed').map((l) => l.cid));
  return node.logs.filter((l) => l.msg === 'srt relay started' && !closed.has(l.cid));
}

let main: TestNode;
let empty: TestNode;
let origin: SrtIngestOrigin;
const dir = mkdtempSync(join(tmpdir(), 'sy-srt-bad-'));

before(async () => {
  [main, empty, origin] = await Promise.all([startTestNode(), startTestNode(), startSrtIngestOrigin()]);
  await register(main.systemPort, {
    ip: '127.0.0.1',
    server: 'srt',
    service: 's',
    pid: '1',
    rtmp: ['1'],
    srt: [String(origin.srtPort)],
  });
});

after(async () => {
  await Promise.all([main?.node.shutdown(), empty?.node.shutdown(), origin?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('SRT bad input', () => {
  it('stays up and stateless under garbage and an induction flood while a publisher streams', async () => {
    const pub = publishTestStream(`srt://127.0.0.1:${main.srtPort}?streamid=#!::r=live/good,m=publish`, {
      seconds: 4,
      format: 'mpegts',
    });
    await waitFor('the publisher relayed', async () => liveSrtSessions(main).length === 1, 5000);
    const g = await udpClient();
    for (let i = 0; i < 1000; i++) g.send(randomBytes(1 + (i % 1400)), main.srtPort);
    const flood = await Promise.all(Array.from({ length: 200 }, () => udpClient()));
    for (const c of flood) c.send(INDUCTION, main.srtPort);
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(flood.filter((c) => c.messages.length > 0).length > 150, 'inductions are answered');
    // Inductions create no sessions: the one session is the publisher's, opened before the flood.
    assert.equal(main.node.dataPlane.srt.sessionCount, 1);
    const [session, ...others] = liveSrtSessions(main);
    assert.deepEqual(others, []);
    assert.equal(session?.stream, '__defaultVhost__/live/good');
    assert.equal(session?.mode, 'publish');
    const floodPorts = new Set([g, ...flood].map((c) => `127.0.0.1:${c.port}`));
    assert.ok(!floodPorts.has(session?.client as string), `session of ${String(session?.client)} is a flood client's`);
    assert.equal(await pub.exited, 0, pub.output());
    await new Promise((r) => setTimeout(r, 500));
    const file = join(dir, 'good.ts');
    writeFileSync(file, origin.bytes());
    assert.deepEqual((await probe(file)).codecs, ['aac', 'h264']);
    await Promise.all([g.close(), ...flood.map((c) => c.close())]);
  });

  it('rejects a conclusion without a stream id, and one with an oversized stream id', async () => {
    const c = await udpClient();
    const before = reasons(main, 'srt caller rejected').length;
    const noSid = await induct(c, main.srtPort);
    c.send(encodeHandshake(withStreamId(noSid, undefined)), main.srtPort);
    assert.equal(decodeHandshake(await nextMessage(c)).type, 1400);
    const big = await induct(c, main.srtPort);
    c.send(encodeHandshake(withStreamId(big, `#!::r=live/${'x'.repeat(700)}`)), main.srtPort);
    assert.equal(decodeHandshake(await nextMessage(c)).type, 1400);
    assert.deepEqual(reasons(main, 'srt caller rejected').slice(before), ['bad_input', 'bad_input']);
    await c.close();
  });

  it('answers a retransmitted conclusion with the same response, once the origin accepted', async () => {
    const c = await udpClient();
    const hs = await induct(c, main.srtPort);
    const conclusion = encodeHandshake(withStreamId(hs, '#!::r=live/again,m=publish'));
    c.send(conclusion, main.srtPort);
    const first = await nextMessage(c, 5000);
    assert.equal(decodeHandshake(first).type, HandshakeType.Conclusion);
    assert.equal(decodeHandshake(first).destination, hs.socketId, 'the origin addresses the caller socket directly');
    c.messages.length = 0;
    c.send(conclusion, main.srtPort);
    // The origin may also send keepalives now; the retransmission's answer is the cached response.
    await waitFor('the same conclusion response again', async () => c.messages.some((m) => m.equals(first)), 2000);
    // An SRT shutdown (control type 5) ends the session.
    const shutdown = Buffer.alloc(16);
    shutdown.writeUInt16BE(0x8005, 0);
    shutdown.writeUInt32BE(decodeHandshake(first).socketId, 12);
    c.send(shutdown, main.srtPort);
    await waitFor('session closed', async () => main.node.dataPlane.srt.sessionCount === 0, 2000);
    assert.equal(reasons(main, 'srt session closed').at(-1), 'client_gone');
    await c.close();
  });

  it('ignores a conclusion with a forged cookie', async () => {
    const c = await udpClient();
    c.send(encodeHandshake({ ...CONCLUSION, cookie: 0x12345678 }), main.srtPort);
    await assert.rejects(nextMessage(c, 400));
    await c.close();
  });

  it('tells a caller with no backend so with an SRT rejection', async () => {
    const c = await udpClient();
    const hs = await induct(c, empty.srtPort);
    c.send(encodeHandshake(hs), empty.srtPort);
    assert.equal(decodeHandshake(await nextMessage(c)).type, 1503);
    assert.equal(empty.node.dataPlane.srt.sessionCount, 0);
    assert.deepEqual(reasons(empty, 'srt session closed'), ['no_backend']);
    await c.close();
  });
});
