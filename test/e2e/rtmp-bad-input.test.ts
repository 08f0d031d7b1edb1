// Hostile and failing inputs close only their own session, with a logged close reason code,
// within a bounded time, while a real stream keeps playing through the same node.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CLOSE_REASONS, type CloseReason } from '../../dataplane/close-reason.ts';
import { encodeAmf0 } from '../../dataplane/rtmp/amf0.ts';
import { ChunkWriter } from '../../dataplane/rtmp/chunk-writer.ts';
import { setChunkSize } from '../../dataplane/rtmp/commands.ts';
import { createLogger } from '../../shared/log.ts';
import { playFor, probeUntilAv, publishTestStream } from '../helpers/ffmpeg.ts';
import { type InProcessNode, startInProcessNode } from '../helpers/in-process-node.ts';
import { type NginxOrigin, startNginxRtmp } from '../helpers/nginx-rtmp.ts';
import { freePort } from '../helpers/ports.ts';
import type { Child } from '../helpers/processes.ts';
import { rawClient } from '../helpers/raw-rtmp.ts';
import { originBody, register, streamBoundTo } from '../helpers/switchyard.ts';

const CLIENT_PHASE_MS = 1500;
const BACKEND_PHASE_MS = 1500;

interface TestNode extends InProcessNode {
  logs: string[];
}

async function startTestNode(): Promise<TestNode> {
  const logs: string[] = [];
  const logger = createLogger('info', {}, (line) => logs.push(line));
  const started = await startInProcessNode(logger, {
    rtmpTimeouts: { clientPhaseMs: CLIENT_PHASE_MS, backendPhaseMs: BACKEND_PHASE_MS },
  });
  return { ...started, logs };
}

let nginx: NginxOrigin;
let main: TestNode;
let empty: TestNode;
let silent: Server;
const silentSockets = new Set<Socket>();
let good: string;
let stuck: string;
let publisher: Child;
let player: Promise<{ code: number | null; stderr: string }>;

interface Close {
  reason: CloseReason;
  detail: string;
}

/** Every `rtmp session closed` line of a node. */
function closes(node: TestNode): Close[] {
  return node.logs
    .map((l) => JSON.parse(l) as { msg: string } & Close)
    .filter((l) => l.msg === 'rtmp session closed')
    .map(({ reason, detail }) => ({ reason, detail }));
}

const show = (list: Close[]) => list.map((c) => `${c.reason}: ${c.detail}`).join('\n');

before(async () => {
  nginx = await startNginxRtmp();
  [main, empty] = await Promise.all([startTestNode(), startTestNode()]);
  // A backend that accepts TCP and never says a word.
  silent = createServer((s) => {
    silentSockets.add(s);
    s.on('error', () => {});
  });
  const silentPort = await freePort();
  await new Promise<void>((r) => silent.listen(silentPort, '127.0.0.1', r));
  await register(main.systemPort, originBody('nginx', { rtmp: nginx.rtmpPort }));
  await register(main.systemPort, originBody('silent', { rtmp: silentPort }));
  good = await streamBoundTo(main.systemPort, 'nginx', 'good');
  stuck = await streamBoundTo(main.systemPort, 'silent', 'stuck');
  publisher = publishTestStream(`rtmp://127.0.0.1:${main.rtmpPort}/live/${good}`, { seconds: 60 });
  const ready = await probeUntilAv(`rtmp://127.0.0.1:${main.rtmpPort}/live/${good}`);
  assert.deepEqual(
    ready.codecs,
    ['aac', 'h264'],
    `${ready.stderr}\n${publisher.output()}\n${main.logs.slice(-10).join('\n')}`,
  );
  // This player must survive everything the tests below throw at the node.
  player = playFor(`rtmp://127.0.0.1:${main.rtmpPort}/live/${good}`, 10);
});

after(async () => {
  await publisher?.stop();
  for (const s of silentSockets) s.destroy();
  silent?.close();
  await Promise.all([main?.node.shutdown(), empty?.node.shutdown()]);
  await nginx?.stop();
});

const writer = () => new ChunkWriter();

describe('RTMP bad input', () => {
  it('closes on garbage instead of a handshake at once', async () => {
    const c = await rawClient(main.rtmpPort, false);
    c.send(Buffer.concat([Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), Buffer.alloc(1600, 0x41)]));
    assert.ok((await c.closedWithin(1000)) < 1000);
  });

  it('closes a truncated chunk after the client-phase timeout', async () => {
    const c = await rawClient(main.rtmpPort, true);
    c.send(Buffer.from([0x03, 0x00, 0x00]));
    const ms = await c.closedWithin(CLIENT_PHASE_MS + 2000);
    assert.ok(ms >= CLIENT_PHASE_MS - 100, `closed after ${ms} ms`);
  });

  it('closes on an absurd chunk size', async () => {
    const c = await rawClient(main.rtmpPort, true);
    c.send(writer().encode(2, setChunkSize(0x7fffffff)));
    assert.ok((await c.closedWithin(1000)) < 1000);
  });

  it('closes on an absurd message length', async () => {
    const c = await rawClient(main.rtmpPort, true);
    c.send(Buffer.from([0x03, 0, 0, 0, 0xff, 0xff, 0xff, 20, 0, 0, 0, 0, 1, 2, 3]));
    assert.ok((await c.closedWithin(1000)) < 1000);
  });

  it('closes on an AMF0 nesting bomb and on a huge declared string', async () => {
    const nested = Buffer.concat([
      encodeAmf0('connect', 1),
      Buffer.alloc(4 * 500, Buffer.from([0x03, 0x00, 0x01, 0x61])),
      Buffer.from([0x05]),
    ]);
    const c = await rawClient(main.rtmpPort, true);
    c.send(writer().encode(3, { type: 20, msid: 0, timestamp: 0, payload: nested }));
    assert.ok((await c.closedWithin(1000)) < 1000);
    const lying = Buffer.concat([encodeAmf0('connect', 1), Buffer.from([0x0c, 0x7f, 0xff, 0xff, 0xff, 0x41])]);
    const d = await rawClient(main.rtmpPort, true);
    d.send(writer().encode(3, { type: 20, msid: 0, timestamp: 0, payload: lying }));
    assert.ok((await d.closedWithin(1000)) < 1000);
  });

  it('tells a publisher there is no backend and closes', async () => {
    const started = Date.now();
    const pub = publishTestStream(`rtmp://127.0.0.1:${empty.rtmpPort}/live/nobody`, { seconds: 10 });
    assert.notEqual(await pub.exited, 0);
    assert.match(pub.output(), /no backend|BadName/i);
    assert.ok(Date.now() - started < 8000);
    assert.ok(
      closes(empty).some((c) => c.reason === 'no_backend'),
      show(closes(empty)),
    );
  });

  it('gives up on a backend that accepts TCP and never answers', async () => {
    const pub = publishTestStream(`rtmp://127.0.0.1:${main.rtmpPort}/live/${stuck}`, { seconds: 20 });
    const started = Date.now();
    const code = await pub.exited;
    assert.notEqual(code, 0);
    assert.ok(Date.now() - started < BACKEND_PHASE_MS + 5000, `ffmpeg ran ${Date.now() - started} ms`);
    assert.ok(
      closes(main).some((c) => c.reason === 'backend_timeout'),
      show(closes(main)),
    );
  });

  it('kept the real stream playing throughout, and logged a reason for every close', async () => {
    const result = await player;
    assert.equal(result.code, 0, result.stderr);
    const all = closes(main);
    assert.ok(all.length >= 6, show(all));
    assert.ok(
      all.every((c) => CLOSE_REASONS.includes(c.reason) && c.detail.length > 0),
      show(all),
    );
    // Garbage handshake, chunk size, message length, nesting bomb, lying string length.
    const badInput = all.filter((c) => c.reason === 'bad_input').map((c) => c.detail);
    assert.ok(badInput.length >= 5, show(all));
    assert.ok(badInput.some((d) => /chunk size/.test(d)));
    assert.ok(badInput.some((d) => /nesting/.test(d)));
    assert.ok(badInput.some((d) => /exceeds/.test(d)));
    // The truncated chunk.
    assert.ok(
      all.some((c) => c.reason === 'client_timeout'),
      show(all),
    );
  });
});
