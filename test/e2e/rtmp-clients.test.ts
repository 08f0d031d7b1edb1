// Other RTMP clients than a live ffmpeg, through Switchyard to a real nginx-rtmp origin: captured
// exchanges of ffmpeg (publish, play) and rtmpdump/librtmp (play) replayed with their timing,
// the real rtmpdump binary, and a client whose connect carries no `app` (as SRS's Go client).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChunkWriter } from '../../dataplane/rtmp/chunk-writer.ts';
import { commandMessage } from '../../dataplane/rtmp/commands.ts';
import { encodeC0C1, HANDSHAKE_SIZE } from '../../dataplane/rtmp/handshake.ts';
import { ChunkStream } from '../../dataplane/rtmp/message-types.ts';
import { probe, publishTestStream } from '../helpers/ffmpeg.ts';
import { type NginxOrigin, startNginxRtmp } from '../helpers/nginx-rtmp.ts';
import type { Child } from '../helpers/processes.ts';
import { waitFor } from '../helpers/processes.ts';
import { rawRtmpPeer } from '../helpers/raw-rtmp.ts';
import {
  clientMessages,
  type DecodedMessage,
  loadCapture,
  type RtmpCapture,
  replayCapture,
} from '../helpers/rtmp-capture.ts';
import { originBody, register, type SwitchyardProcess, startSwitchyard } from '../helpers/switchyard.ts';

let nginx: NginxOrigin;
let sy: SwitchyardProcess;
let feed: Child;
const dir = mkdtempSync(join(tmpdir(), 'sy-rtmp-clients-'));

before(async () => {
  [nginx, sy] = await Promise.all([startNginxRtmp(), startSwitchyard()]);
  assert.equal((await register(sy.systemPort, originBody('nginx', { rtmp: nginx.rtmpPort }))).status, 200);
  // The captured players play `cap-play`.
  feed = publishTestStream(`rtmp://127.0.0.1:${nginx.rtmpPort}/live/cap-play`, { seconds: 120, bitrateK: 200 });
});

after(async () => {
  await feed?.stop();
  await Promise.all([sy?.stop(), nginx?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const statusCodes = (messages: DecodedMessage[]) =>
  messages.flatMap((m) => {
    const info = m.command?.name === 'onStatus' ? m.command.args[0] : undefined;
    return info && typeof info === 'object' && 'code' in info ? [String(info.code)] : [];
  });
const mediaMessages = (messages: DecodedMessage[]) => messages.filter((m) => m.type === 8 || m.type === 9).length;

describe('captured RTMP client exchanges through Switchyard', () => {
  it('holds what each client sent: commands SRS answers or relays', () => {
    const names = (c: RtmpCapture) => clientMessages(c).flatMap((m) => m.command?.name ?? m.dataName ?? []);
    assert.deepEqual(names(loadCapture('ffmpeg-publish.json')), [
      'connect',
      'releaseStream',
      'FCPublish',
      'createStream',
      'publish',
      '@setDataFrame',
      'FCUnpublish',
      'deleteStream',
    ]);
    assert.deepEqual(names(loadCapture('ffmpeg-play.json')), [
      'connect',
      'createStream',
      'getStreamLength',
      'play',
      'deleteStream',
    ]);
    assert.deepEqual(names(loadCapture('rtmpdump-play.json')), [
      'connect',
      'createStream',
      'FCSubscribe',
      'play',
      'deleteStream',
    ]);
  });

  it("replays ffmpeg's publish to the origin: media, @setDataFrame, FCUnpublish and deleteStream pass", async () => {
    const capture = loadCapture('ffmpeg-publish.json');
    const player = await rawRtmpPeer(nginx.rtmpPort, 'play', capture.stream);
    const replay = await replayCapture(sy.rtmpPort, capture);
    await replay.sent;
    await waitFor(
      'the origin to relay the publisher to its player',
      async () => player.bytes > 10_000 || undefined,
      5000,
    );
    assert.ok(statusCodes(replay.messages()).includes('NetStream.Publish.Start'), sy.process.output().slice(-2000));
    // FCUnpublish and deleteStream went to the origin; the session is still up, not torn down.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(replay.closed, false);
    replay.socket.destroy();
    player.close();
  });

  for (const file of ['ffmpeg-play.json', 'rtmpdump-play.json']) {
    it(`replays ${file.replace('.json', '')} and gets the origin's stream`, async () => {
      const capture = loadCapture(file);
      const replay = await replayCapture(sy.rtmpPort, capture);
      await waitFor('media', async () => mediaMessages(replay.messages()) > 10 || undefined, 10_000);
      const codes = statusCodes(replay.messages());
      assert.ok(codes.includes('NetStream.Play.Start'), codes.join());
      replay.socket.destroy();
    });
  }
});

describe('real RTMP client libraries through Switchyard', () => {
  it('rtmpdump (librtmp) plays a stream through Switchyard and the file decodes', async () => {
    const out = join(dir, 'dump.flv');
    const dump = spawn('rtmpdump', ['-q', '--live', '-r', `rtmp://127.0.0.1:${sy.rtmpPort}/live/cap-play`, '-o', out]);
    setTimeout(() => dump.kill('SIGINT'), 3000);
    await new Promise((r) => dump.once('close', r));
    assert.ok(statSync(out).size > 10_000, `${statSync(out).size} bytes`);
    const probed = await probe(out);
    assert.deepEqual(probed.codecs, ['aac', 'h264'], probed.stderr);
  });

  it('accepts connect without app (app from tcUrl), answers _checkbw, and relays the publish', async () => {
    const writer = new ChunkWriter();
    const cmd = (msid: number, ...values: Parameters<typeof commandMessage>[1][]) =>
      writer.encode(msid ? ChunkStream.OverStream : ChunkStream.OverConnection, commandMessage(msid, ...values));
    const frame = Buffer.alloc(2000);
    frame[0] = 0x17; // key frame, AVC
    frame[1] = 0x01; // NAL units (0 would be a sequence header, which nginx keeps rather than relays)
    const media = Array.from({ length: 20 }, (_, i) =>
      writer.encode(6, { type: 9, msid: 1, timestamp: i * 40, payload: frame }),
    );
    const bytes = [
      encodeC0C1(),
      Buffer.alloc(HANDSHAKE_SIZE),
      cmd(0, 'connect', 1, { tcUrl: `rtmp://127.0.0.1:${sy.rtmpPort}/live`, objectEncoding: 0 }),
      cmd(0, '_checkbw', 2, null),
      cmd(0, 'createStream', 3, null),
      cmd(1, 'publish', 4, null, 'noapp', 'live'),
    ];
    const capture: RtmpCapture = {
      client: 'connect without app',
      kind: 'publish',
      tcUrlPath: '/live',
      stream: 'noapp',
      writes: [...bytes, ...media].map((b, i) => ({ ms: i < bytes.length ? 0 : 500 + i * 20, hex: b.toString('hex') })),
    };
    const player = await rawRtmpPeer(nginx.rtmpPort, 'play', 'noapp');
    const replay = await replayCapture(sy.rtmpPort, capture);
    await replay.sent;
    await waitFor('the origin to relay frames', async () => player.bytes > 20_000 || undefined, 5000);
    const messages = replay.messages();
    const checkbw = messages.find((m) => m.command?.name === '_result' && m.command.transactionId === 2);
    assert.ok(checkbw, 'no _result for _checkbw');
    assert.deepEqual([checkbw.command?.object, checkbw.command?.args], [null, [null]]);
    assert.ok(statusCodes(messages).includes('NetStream.Publish.Start'), sy.process.output().slice(-2000));
    replay.socket.destroy();
    player.close();
  });
});
