// WebRTC signalling through the control app alone (app.request, no server, no WebRTC stack):
// real SRS offers and answers from test/fixtures/srs/, an origin API played back from them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeResourceToken } from '../../control/rtc/resource-token.ts';
import { CAPTURED, type CapturedSrsOrigin, capturedSrsOrigin, srsCapture } from '../helpers/captured-srs-origin.ts';
import { postJson, TEST_SIGNER, type TestControl, testControl } from '../helpers/control-app.ts';

const heartbeat = srsCapture('srs-heartbeat.json');
/** The captured heartbeat's origin: ip 192.0.2.2, API port 19851, RTC udp://0.0.0.0:8001. */
const ORIGIN_API = 'http://192.0.2.2:19851';
const NODE = { host: '203.0.113.7', port: 18000 };
const NODE_CANDIDATE = `a=candidate:0 1 udp 2130706431 ${NODE.host} ${NODE.port} typ host generation 0`;

interface Setup extends TestControl {
  origin: CapturedSrsOrigin;
  deleted: string[];
}

async function setup(options: { rtcCandidate?: { host?: string; port: number } | null } = {}): Promise<Setup> {
  const origin = capturedSrsOrigin();
  const deleted: string[] = [];
  const control = testControl({
    fetch: origin.fetch,
    rtcCandidate: options.rtcCandidate === null ? undefined : (options.rtcCandidate ?? NODE),
    onRtcSessionDeleted: (username) => deleted.push(username),
  });
  const res = await control.app.request('/api/v1/srs/register', postJson(heartbeat));
  assert.equal(res.status, 200);
  return { ...control, origin, deleted };
}

const sdpPost = (body: string, contentType = 'application/sdp'): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': contentType },
  body,
});

const candidates = (sdp: string) => sdp.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:'));
const sections = (sdp: string) => sdp.split(/\r?\n/).filter((l) => l.startsWith('m='));

async function sessionOf(app: Setup['app'], username: string) {
  const res = await app.request(`/api/v1/rtc/sessions/${username}`);
  return { status: res.status, body: (await res.json()) as { data?: { session: Record<string, unknown> } } };
}

function assertCors(res: Response): void {
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.match(res.headers.get('access-control-expose-headers') ?? '', /location/);
}

describe('WHEP and WHIP signalling', () => {
  for (const [kind, path, exchange, username, stream] of [
    ['play', '/rtc/v1/whep/?app=live&stream=livestream', CAPTURED.whep, '0p227118:c9u7', 'livestream'],
    ['publish', '/rtc/v1/whip/?app=live&stream=rtcstream', CAPTURED.whip, '155b4s13:4jLY', 'rtcstream'],
  ] as const) {
    it(`${path.slice(0, 13)}: forwards the offer, answers with the node's candidate, stores the ${kind} session`, async () => {
      const { app, origin, clock } = await setup();
      const res = await app.request(path, sdpPost(exchange.offer));
      assert.equal(res.status, 201, await res.clone().text());
      assert.equal(res.headers.get('content-type'), 'application/sdp');
      assertCors(res);

      // The offer went to the stream's origin unchanged, on the same path and query.
      assert.deepEqual(origin.requests, [
        { url: `${ORIGIN_API}${path}`, method: 'POST', contentType: 'application/sdp', body: exchange.offer },
      ]);

      // The answer is SRS's, except that each media section now names the node, once.
      const answer = await res.text();
      assert.deepEqual(
        candidates(answer),
        sections(exchange.answer).map(() => NODE_CANDIDATE),
      );
      assert.ok(!answer.includes(' 8001 typ host'), 'no origin candidate left');
      const strip = (sdp: string) => sdp.split(/\r?\n/).filter((l) => !l.startsWith('a=candidate:'));
      assert.deepEqual(strip(answer), strip(exchange.answer));

      // Location: Switchyard's own resource, carrying the origin's resource path and the ICE username.
      const location = res.headers.get('location') ?? '';
      const m = /^\/rtc\/v1\/resource\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(location);
      assert.ok(m, location);
      const token = decodeResourceToken(m[1] as string, TEST_SIGNER, clock.now);
      assert.deepEqual({ b: token.b, l: token.l, u: token.u }, { b: 'vid-4168is2', l: exchange.location, u: username });
      assert.equal(res.headers.get('etag'), `"${username}"`);

      // The data plane finds the session by ICE username = answer ufrag : offer ufrag.
      const found = await sessionOf(app, username);
      assert.equal(found.status, 200);
      assert.deepEqual(found.body.data?.session, {
        username,
        backendId: 'vid-4168is2',
        media: { host: '192.0.2.2', port: 8001 },
        stream: `__defaultVhost__/live/${stream}`,
        kind,
        createdAt: 1_800_000_000_000,
        // The origin's ICE password, for the relay to check binding requests.
        icePwd: /a=ice-pwd:(\S+)/.exec(exchange.answer)?.[1],
      });
    });
  }

  it('DELETE on the resource ends the session at the origin, in the store and in the data plane', async () => {
    const { app, origin, deleted } = await setup();
    const res = await app.request('/rtc/v1/whep/?app=live&stream=livestream', sdpPost(CAPTURED.whep.offer));
    const location = res.headers.get('location') ?? '';
    const gone = await app.request(location, { method: 'DELETE' });
    assert.equal(gone.status, 200);
    assertCors(gone);
    assert.deepEqual(origin.requests[1], {
      url: `${ORIGIN_API}${CAPTURED.whep.location}`,
      method: 'DELETE',
      contentType: null,
      body: '',
    });
    assert.deepEqual(deleted, ['0p227118:c9u7']);
    assert.equal((await sessionOf(app, '0p227118:c9u7')).status, 404);
  });

  it('DELETE with a resource that is not one of ours is 404, and touches no origin', async () => {
    const { app, origin } = await setup();
    for (const token of ['!!!', 'bm90IGpzb24', 'x'.repeat(3000)]) {
      const res = await app.request(`/rtc/v1/resource/${token}`, { method: 'DELETE' });
      assert.equal(res.status, 404, token.slice(0, 20));
      assert.equal(((await res.json()) as { error: string }).error, 'not_found');
    }
    assert.deepEqual(origin.requests, []);
  });

  it('answers CORS preflights and refuses other methods on the resource with 405', async () => {
    const { app } = await setup();
    for (const path of ['/rtc/v1/whip/', '/rtc/v1/whep', '/rtc/v1/resource/abc']) {
      const res = await app.request(path, { method: 'OPTIONS' });
      assert.equal(res.status, 204, path);
      assertCors(res);
      assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST,\s?DELETE,\s?PATCH/);
    }
    const patch = await app.request('/rtc/v1/resource/abc', { method: 'PATCH', body: 'a=candidate:x' });
    assert.equal(patch.status, 405);
    assert.equal(patch.headers.get('allow'), 'DELETE, OPTIONS');
    assertCors(patch);
    const get = await app.request('/rtc/v1/resource/abc');
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'DELETE, PATCH, OPTIONS');
  });

  it('rejects bad offers before asking any origin: 415, 400, 413', async () => {
    const { app, origin } = await setup();
    const path = '/rtc/v1/whip/?app=live&stream=x';
    const cases: Array<[RequestInit, number, string]> = [
      [sdpPost(CAPTURED.whip.offer, 'text/plain'), 415, 'unsupported_media_type'],
      [sdpPost('hello'), 400, 'bad_request'],
      [sdpPost(`v=0\r\n${'a=x\r\n'.repeat(20_000)}`), 413, 'payload_too_large'],
    ];
    for (const [init, status, error] of cases) {
      const res = await app.request(path, init);
      assert.equal(res.status, status);
      assert.equal(((await res.json()) as { error: string }).error, error);
      assertCors(res);
    }
    const noStream = await app.request('/rtc/v1/whip/?app=live', sdpPost(CAPTURED.whip.offer));
    assert.equal(noStream.status, 400);
    assert.deepEqual(origin.requests, []);
  });

  it('answers 503 when no origin is alive, or none has an HTTP API', async () => {
    const origin = capturedSrsOrigin();
    const { app } = testControl({ fetch: origin.fetch, rtcCandidate: NODE });
    const none = await app.request('/rtc/v1/whep/?app=live&stream=livestream', sdpPost(CAPTURED.whep.offer));
    assert.equal(none.status, 503);
    assert.equal(((await none.json()) as { error: string }).error, 'no_backend');
    const { api: _api, ...withoutApi } = JSON.parse(heartbeat) as Record<string, unknown>;
    await app.request('/api/v1/srs/register', postJson(withoutApi));
    const noApi = await app.request('/rtc/v1/whep/?app=live&stream=livestream', sdpPost(CAPTURED.whep.offer));
    assert.equal(noApi.status, 503);
    assert.deepEqual(origin.requests, []);
  });

  it("passes the origin's refusal status on, without its addresses", async () => {
    const { app, origin } = await setup();
    origin.answerNextWith(() => new Response('stream busy at 10.1.2.3:1985', { status: 403 }));
    const res = await app.request('/rtc/v1/whip/?app=live&stream=rtcstream', sdpPost(CAPTURED.whip.offer));
    assert.equal(res.status, 403);
    const body = (await res.json()) as { error: string; message: string };
    assert.equal(body.error, 'upstream');
    assert.match(body.message, /origin answered 403: stream busy at \[origin\]/);
    assert.ok(!body.message.includes('10.1.2.3'));
  });

  it('answers 502 when the origin is unreachable or its answer is not SDP', async () => {
    const { app, origin } = await setup();
    origin.answerNextWith(() => Promise.reject(new TypeError('fetch failed')));
    const down = await app.request('/rtc/v1/whip/?app=live&stream=rtcstream', sdpPost(CAPTURED.whip.offer));
    assert.equal(down.status, 502);
    origin.answerNextWith(() => new Response('<html>', { status: 201 }));
    const garbage = await app.request('/rtc/v1/whip/?app=live&stream=rtcstream', sdpPost(CAPTURED.whip.offer));
    assert.equal(garbage.status, 502);
    assert.equal(((await garbage.json()) as { error: string }).error, 'upstream');
  });

  it('points clients at an announced node when no candidate address is configured', async () => {
    const { app } = await setup({ rtcCandidate: null });
    const announced = await app.request(
      '/api/v1/nodes',
      postJson({ id: 'n1', publicIp: '198.51.100.4', rtcPort: 18001 }),
    );
    assert.equal(announced.status, 200);
    const res = await app.request('/rtc/v1/whep/?app=live&stream=livestream', sdpPost(CAPTURED.whep.offer));
    assert.equal(res.status, 201);
    const answer = await res.text();
    assert.deepEqual(
      candidates(answer),
      sections(answer).map(() => 'a=candidate:0 1 udp 2130706431 198.51.100.4 18001 typ host generation 0'),
    );
  });

  it('answers 503 without asking the origin when no node can take the media', async () => {
    const { app, origin, store } = await setup({ rtcCandidate: null });
    const res = await app.request('/rtc/v1/whep/?app=live&stream=livestream', sdpPost(CAPTURED.whep.offer));
    assert.equal(res.status, 503);
    // No origin session was opened, so none is left behind.
    assert.deepEqual(origin.requests, []);
    assert.equal(await store.touchRtcSession('0p227118:c9u7', Date.now()), null);
  });

  it("uses the request's host when only the node's port is known (all-in-one)", async () => {
    const { app } = await setup({ rtcCandidate: { port: 18000 } });
    const byIp = await app.request('http://192.0.2.80:11985/rtc/v1/whep/?app=live&stream=livestream', {
      ...sdpPost(CAPTURED.whep.offer),
      headers: { 'content-type': 'application/sdp', host: '192.0.2.80:11985' },
    });
    assert.equal(byIp.status, 201);
    assert.ok(candidates(await byIp.text()).every((c) => c.includes(' 192.0.2.80 18000 typ host')));
    const byName = await app.request('http://media.example.com/rtc/v1/whep/?app=live&stream=livestream', {
      ...sdpPost(CAPTURED.whep.offer),
      headers: { 'content-type': 'application/sdp', host: 'media.example.com' },
    });
    assert.ok(candidates(await byName.text()).every((c) => c.includes(' 127.0.0.1 18000 typ host')));
  });
});

describe("SRS's legacy JSON signalling", () => {
  for (const [path, exchange, username, kind] of [
    ['/rtc/v1/play/', CAPTURED.whep, '0p227118:c9u7', 'play'],
    ['/rtc/v1/publish/', CAPTURED.whip, '155b4s13:4jLY', 'publish'],
  ] as const) {
    it(`${path}: relays the JSON request, rewrites the answer's candidates, stores the session`, async () => {
      const { app, origin } = await setup();
      const request = JSON.stringify({ sdp: exchange.offer, streamurl: 'webrtc://192.0.2.80/live/livestream' });
      const res = await app.request(path, { method: 'POST', body: request });
      assert.equal(res.status, 200);
      assertCors(res);
      assert.deepEqual(origin.requests, [
        { url: `${ORIGIN_API}${path}`, method: 'POST', contentType: 'application/json', body: request },
      ]);
      const reply = (await res.json()) as { code: number; sdp: string; server: string };
      assert.equal(reply.code, 0);
      assert.equal(reply.server, 'vid-4168is2', "the rest of SRS's reply passes through");
      assert.deepEqual(
        candidates(reply.sdp),
        sections(exchange.answer).map(() => NODE_CANDIDATE),
      );
      const found = await sessionOf(app, username);
      assert.equal(found.status, 200);
      assert.equal(found.body.data?.session.kind, kind);
      assert.equal(found.body.data?.session.stream, '__defaultVhost__/live/livestream');
    });
  }

  it('rejects bodies that are not {sdp, streamurl} with 400', async () => {
    const { app, origin } = await setup();
    for (const body of ['not json', '{}', JSON.stringify({ sdp: 'v=0', streamurl: 'live/x' })]) {
      const res = await app.request('/rtc/v1/publish/', { method: 'POST', body });
      assert.equal(res.status, 400, body);
    }
    assert.deepEqual(origin.requests, []);
  });

  it("maps an origin's refusal: SRS error code -> 502, HTTP error -> its status", async () => {
    const { app, origin } = await setup();
    const request = { sdp: CAPTURED.whip.offer, streamurl: 'webrtc://h/live/rtcstream' };
    origin.answerNextWith(() => Response.json({ code: 5012 }));
    const refused = await app.request('/rtc/v1/publish/', { method: 'POST', body: JSON.stringify(request) });
    assert.equal(refused.status, 502);
    assert.match(((await refused.json()) as { message: string }).message, /code 5012/);
    origin.answerNextWith(() => new Response('no', { status: 500 }));
    const broken = await app.request('/rtc/v1/publish/', { method: 'POST', body: JSON.stringify(request) });
    assert.equal(broken.status, 500);
  });
});
