// RTSP play through a node from a real origin (GStreamer's RTSP server): ffprobe and ffmpeg read
// H.264 + AAC over TCP interleaved, UDP transport gets 461, hostile requests close only their own
// session while a player keeps decoding, and no answer a player gets names the origin.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../shared/log.ts';
import { type InProcessNode, startInProcessNode } from '../helpers/in-process-node.ts';
import { waitFor } from '../helpers/processes.ts';
import { playRtspFor, probeRtsp, type RtspOrigin, rtspOriginBody, startRtspOrigin } from '../helpers/rtsp-origin.ts';
import { register } from '../helpers/switchyard.ts';

interface TestNode extends InProcessNode {
  logs: Array<Record<string, unknown>>;
}

const PRE_PLAY_MS = 1500;

async function startTestNode(): Promise<TestNode> {
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', {}, (line) => logs.push(JSON.parse(line)));
  const node = await startInProcessNode(logger, { rtspTimeouts: { prePlayMs: PRE_PLAY_MS, originMs: 5000 } });
  return { ...node, logs };
}

/** A raw RTSP connection: send a request, read the next whole response (head + body). */
class RawRtsp {
  readonly socket: Socket;
  private data = Buffer.alloc(0);
  closed = false;
  private readonly ready: Promise<void>;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.ready = new Promise((r) => this.socket.once('connect', () => r()));
    this.socket.on('data', (d: Buffer) => {
      this.data = Buffer.concat([this.data, d]);
    });
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      this.closed = true;
    });
  }

  async send(text: string | Buffer): Promise<void> {
    await this.ready;
    this.socket.write(text);
  }

  /** The next response, or undefined when the connection closed first. */
  async response(): Promise<{ head: string; body: string; rest: Buffer } | undefined> {
    return waitFor('an RTSP response', async () => {
      const end = this.data.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = this.data.toString('latin1', 0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (this.data.length >= end + 4 + length) {
          const body = this.data.toString('latin1', end + 4, end + 4 + length);
          const rest = this.data.subarray(end + 4 + length);
          this.data = rest;
          return { head, body, rest };
        }
      }
      return this.closed ? { head: '', body: '', rest: Buffer.alloc(0) } : undefined;
    }).then((r) => (r.head === '' ? undefined : r));
  }

  async request(text: string): Promise<{ head: string; body: string; rest: Buffer } | undefined> {
    await this.send(text);
    return this.response();
  }

  /** Bytes received and not yet read as a response. */
  get unread(): Buffer {
    return this.data;
  }

  waitClosed(): Promise<true> {
    return waitFor('the proxy to close the connection', async () => this.closed || undefined, 5000);
  }
}

const req = (method: string, url: string, cseq: number, extra = '') =>
  `${method} ${url} RTSP/1.0\r\nCSeq: ${cseq}\r\nUser-Agent: raw-test\r\n${extra}\r\n`;

let main: TestNode;
let empty: TestNode;
let origin: RtspOrigin;
let proxyUrl: string;

before(async () => {
  [main, empty, origin] = await Promise.all([startTestNode(), startTestNode(), startRtspOrigin(['cam', 'cam2'])]);
  const res = await register(main.systemPort, rtspOriginBody('gst', origin.port));
  assert.equal(res.status, 200, await res.text());
  proxyUrl = `rtsp://127.0.0.1:${main.ports.rtsp}/live/cam`;
});

after(async () => {
  await Promise.all([main?.node.shutdown(), empty?.node.shutdown(), origin?.stop()]);
});

function closeLines(node: TestNode): Array<Record<string, unknown>> {
  return node.logs.filter((l) => l.msg === 'rtsp session closed');
}

describe('RTSP play through the proxy (GStreamer origin)', () => {
  it('ffprobe over TCP reads H.264 and AAC; time to streams through the proxy vs direct', async (t) => {
    const direct = await probeRtsp(`rtsp://127.0.0.1:${origin.port}/live/cam`, 'tcp');
    const proxied = await probeRtsp(proxyUrl, 'tcp');
    assert.equal(proxied.code, 0, proxied.stderr);
    assert.deepEqual(proxied.codecs, ['aac', 'h264']);
    assert.deepEqual(direct.codecs, ['aac', 'h264']);
    t.diagnostic(`ffprobe to streams: direct ${direct.ms} ms, through the proxy ${proxied.ms} ms`);
  });

  it('ffmpeg decodes 4 s without errors, and each session logs one close line', async () => {
    const before = closeLines(main).length;
    const played = await playRtspFor(proxyUrl, 4);
    assert.equal(played.code, 0, played.stderr);
    assert.equal(played.stderr.trim(), '');
    await waitFor('the close line', async () => closeLines(main).length > before || undefined);
    const line = closeLines(main).at(-1) as Record<string, unknown>;
    assert.equal(line.reason, 'client_gone');
    assert.ok((line.downBytes as number) > 50_000, `downBytes ${line.downBytes}`);
    const cids = closeLines(main).map((l) => l.cid);
    assert.equal(new Set(cids).size, cids.length, 'one close line per session');
    const started = main.logs.filter((l) => l.msg === 'rtsp relay started').map((l) => l.cid);
    assert.ok(started.includes(line.cid));
  });

  it('answers a SETUP asking for UDP with 461 and keeps the session: ffmpeg falls back to TCP', async () => {
    const udp = await probeRtsp(proxyUrl, 'udp');
    assert.notEqual(udp.code, 0);
    assert.match(udp.stderr, /461 Unsupported Transport/);
    const auto = await probeRtsp(proxyUrl);
    assert.equal(auto.code, 0, auto.stderr);
    assert.deepEqual(auto.codecs, ['aac', 'h264']);
  });

  it('no answer a player gets names the origin; media follows PLAY as interleaved frames', async (t) => {
    const direct = await rawPlay(origin.port);
    const proxied = await rawPlay(main.ports.rtsp);
    const all = proxied.seen.join('\n');
    assert.match(all, new RegExp(`\r\nContent-Base: ${proxyUrl}/\r\n`));
    assert.match(all, /m=video 0 RTP\/AVP 96/);
    assert.match(all, new RegExp(`RTP-Info: url=${proxyUrl}/stream=0;`));
    assert.doesNotMatch(all, new RegExp(`:${origin.port}\\b`));
    assert.doesNotMatch(all, /IN IP4 127\.0\.0\.1/);
    // The same exchange straight to the origin does name it: the check above can fail.
    assert.match(direct.seen.join('\n'), new RegExp(`:${origin.port}/live/cam`));
    t.diagnostic(`connect to first interleaved frame: direct ${direct.ms} ms, through the proxy ${proxied.ms} ms`);
  });

  it('hostile requests get an RTSP error and close only their session while a player keeps playing', async () => {
    const player = playRtspFor(`rtsp://127.0.0.1:${main.ports.rtsp}/live/cam2`, 6);
    await waitFor(
      'the player to relay',
      async () =>
        main.logs.some((l) => l.msg === 'rtsp relay started' && String(l.stream).endsWith('/cam2')) || undefined,
      10_000,
    );
    // The node's sessions view lists it too.
    const view = (await (await fetch(`http://127.0.0.1:${main.systemPort}/api/v1/sessions`)).json()) as {
      data: { sessions: Array<{ protocol: string; stream?: string; relaying: boolean; bytesOut: number }> };
    };
    const listed = view.data.sessions.find((s) => s.protocol === 'rtsp' && s.stream?.endsWith('/cam2'));
    assert.equal(listed?.relaying, true, JSON.stringify(view));
    const cases: Array<[string, string | Buffer, RegExp]> = [
      ['garbage', Buffer.from([0x16, 0x03, 0x01, 0x00, 0x10, 0x0d, 0x0a, 0x0d, 0x0a]), /^RTSP\/1\.0 400 /],
      ['oversized head', req('DESCRIBE', proxyUrl, 1, `X-Pad: ${'a'.repeat(9000)}\r\n`), /^RTSP\/1\.0 400 /],
      ['missing CSeq', `DESCRIBE ${proxyUrl} RTSP/1.0\r\nAccept: application/sdp\r\n\r\n`, /^RTSP\/1\.0 400 /],
      ['publish', req('ANNOUNCE', proxyUrl, 1), /^RTSP\/1\.0 405 /],
      ['dot-dot path', req('DESCRIBE', `rtsp://127.0.0.1:${main.ports.rtsp}/live/../cam`, 1), /^RTSP\/1\.0 400 /],
    ];
    for (const [name, text, want] of cases) {
      const c = new RawRtsp(main.ports.rtsp);
      const r = await c.request(typeof text === 'string' ? text : text.toString('latin1'));
      assert.match(r?.head ?? '', want, name);
      await c.waitClosed();
    }
    // Another host after the first request: the session cannot be steered elsewhere.
    const c = new RawRtsp(main.ports.rtsp);
    assert.match((await c.request(req('OPTIONS', proxyUrl, 1)))?.head ?? '', /^RTSP\/1\.0 200 /);
    const other = req('DESCRIBE', `rtsp://127.0.0.1:${origin.port}/live/cam`, 2);
    assert.match((await c.request(other))?.head ?? '', /^RTSP\/1\.0 400 [^\r]*\r\nCSeq: 2\r\n/);
    await c.waitClosed();
    const played = await player;
    assert.equal(played.code, 0, played.stderr);
    assert.equal(played.stderr.trim(), '');
    assert.ok(closeLines(main).filter((l) => l.reason === 'bad_input').length >= 6);
  });

  it('closes a client that does not get to PLAY in time', async () => {
    const c = new RawRtsp(main.ports.rtsp);
    await c.send('OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n');
    assert.match((await c.response())?.head ?? '', /^RTSP\/1\.0 200 OK\r\nCSeq: 1\r\n/);
    const started = Date.now();
    await c.waitClosed();
    assert.ok(Date.now() - started < PRE_PLAY_MS + 1000);
    await waitFor(
      'the timeout close line',
      async () => closeLines(main).some((l) => l.reason === 'client_timeout') || undefined,
    );
  });

  it('a node with no RTSP origin answers 404 and logs no_backend', async () => {
    const c = new RawRtsp(empty.ports.rtsp);
    const r = await c.request(req('DESCRIBE', `rtsp://127.0.0.1:${empty.ports.rtsp}/live/cam`, 5));
    assert.match(r?.head ?? '', /^RTSP\/1\.0 404 Not Found\r\nCSeq: 5\r\n/);
    await c.waitClosed();
    await waitFor('the close line', async () => closeLines(empty).some((l) => l.reason === 'no_backend') || undefined);
  });
});

/**
 * OPTIONS, DESCRIBE, SETUP (video, TCP) and PLAY on a raw connection to `port`, until the first
 * interleaved `$` frame: every response head and body, and the ms from connect to that frame.
 */
async function rawPlay(port: number): Promise<{ seen: string[]; ms: number }> {
  const started = Date.now();
  const url = `rtsp://127.0.0.1:${port}/live/cam`;
  const c = new RawRtsp(port);
  const seen: string[] = [];
  const step = async (text: string) => {
    const r = await c.request(text);
    assert.ok(r, `no answer to ${text.split(' ')[0]}`);
    seen.push(r.head, r.body);
    return r;
  };
  try {
    await step(req('OPTIONS', url, 1));
    await step(req('DESCRIBE', url, 2, 'Accept: application/sdp\r\n'));
    const setup = await step(req('SETUP', `${url}/stream=0`, 3, 'Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n'));
    const session = /\r\nSession: ([^;\r]+)/.exec(setup.head)?.[1];
    assert.ok(session, setup.head);
    const play = await step(req('PLAY', `${url}/`, 4, `Session: ${session}\r\nRange: npt=0.000-\r\n`));
    assert.match(play.head, /^RTSP\/1\.0 200 OK\r\n/);
    const media = await waitFor('interleaved media', async () => (c.unread.length > 0 ? c.unread : undefined));
    assert.equal(media[0], 0x24, 'an interleaved $ frame');
    return { seen, ms: Date.now() - started };
  } finally {
    c.socket.destroy();
  }
}
