// WebRTC signalling: WHIP/WHEP (RFC 9725 and the WHEP draft, SRS's paths) and SRS's legacy JSON
// APIs. The offer goes to the stream's origin; the answer comes back with its candidates
// replaced by a data-plane node's address, and the session is stored for the data plane.

import type { Context } from 'hono';
import { Hono } from 'hono';
import type { BackendRecord, RtcSession } from '../../shared/api-types.ts';
import { dialAddress } from '../../shared/endpoint.ts';
import { BadRequestError, NoBackendError, SwitchyardError, UpstreamError } from '../../shared/errors.ts';
import { type StreamIdentity, streamFromHttp, streamFromRtmp, streamKey } from '../../shared/stream-identity.ts';
import type { ControlEnv } from '../context.ts';
import { jsonErrorResponse } from '../errors.ts';
import { readText } from '../read-body.ts';
import { decodeResourceToken, encodeResourceToken } from '../rtc/resource-token.ts';
import { type CandidateAddress, firstCandidate, iceUfrag, rewriteCandidates } from '../rtc/sdp.ts';

export const RTC_SESSION_TTL_MS = 120_000;
const MAX_SDP_BYTES = 64 * 1024;
const BACKEND_TIMEOUT_MS = 10_000;
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, DELETE, PATCH, OPTIONS',
  'access-control-allow-headers': 'content-type, authorization, if-match',
  'access-control-expose-headers': 'location, etag, link, accept-patch',
};

type Deps = ControlEnv['Variables']['deps'];

function withCors(res: Response): Response {
  for (const [k, v] of Object.entries(CORS)) res.headers.set(k, v);
  return res;
}

/** Backend error text without addresses in it. */
function scrub(text: string): string {
  return text.replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b/g, '[origin]').slice(0, 300);
}

interface Target {
  backend: BackendRecord;
  api: { host: string; port: number };
  media: { host: string; port: number };
}

async function pickTarget(deps: Deps, identity: StreamIdentity): Promise<Target> {
  const now = deps.now();
  const key = streamKey(identity);
  const backend = await deps.store.pickBackend(key, 'api', now, deps.random());
  if (!backend) throw new NoBackendError(`no live backend with an HTTP API for ${key}`);
  const api = backend.endpoints.api?.[0];
  if (!api) throw new NoBackendError(`backend serving ${key} has no HTTP API endpoint`);
  const rtc = backend.endpoints.rtc?.[0];
  return {
    backend,
    api: dialAddress(api, backend.ip),
    media: rtc ? dialAddress(rtc, backend.ip) : { host: backend.ip, port: 0 },
  };
}

/** The address clients send media to: configured, else a live announced node, else the request's host. */
async function candidateFor(c: Context<ControlEnv>, deps: Deps): Promise<CandidateAddress> {
  if (deps.rtcCandidate?.host) return { host: deps.rtcCandidate.host, port: deps.rtcCandidate.port };
  const now = deps.now();
  const nodes = (await deps.store.listNodes()).filter((n) => n.rtcPort && now - n.updatedAt <= deps.aliveMs);
  if (nodes.length > 0) {
    const node = nodes[Math.floor(deps.random() * nodes.length)] ?? nodes[0]!;
    return { host: node.publicIp, port: node.rtcPort as number };
  }
  if (deps.rtcCandidate) {
    const host = (c.req.header('host') ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    const isIp = /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
    return { host: isIp ? host : '127.0.0.1', port: deps.rtcCandidate.port };
  }
  throw new NoBackendError('no data-plane node has announced a WebRTC address');
}

async function callBackend(deps: Deps, url: string, init: RequestInit): Promise<Response> {
  const fetchImpl = deps.fetch ?? ((i: string, o?: RequestInit) => fetch(i, o));
  try {
    return await fetchImpl(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(BACKEND_TIMEOUT_MS) });
  } catch (err) {
    throw new UpstreamError(`origin API unreachable: ${(err as Error).message}`);
  }
}

async function storeSession(
  deps: Deps,
  target: Target,
  identity: StreamIdentity,
  offer: string,
  answer: string,
  kind: RtcSession['kind'],
): Promise<string> {
  const offerUfrag = iceUfrag(offer);
  const answerUfrag = iceUfrag(answer);
  if (!offerUfrag) throw new BadRequestError('offer has no a=ice-ufrag');
  if (!answerUfrag) throw new UpstreamError('origin answer has no a=ice-ufrag');
  const username = `${answerUfrag}:${offerUfrag}`;
  // SRS announces its RTC port; a server without a registered rtc endpoint is reached where its answer says.
  const media = target.media.port ? target.media : { host: target.backend.ip, port: firstCandidate(answer)?.port ?? 0 };
  if (!media.port)
    throw new UpstreamError('origin answer names no candidate and the origin registered no rtc endpoint');
  await deps.store.putRtcSession(
    { username, backendId: target.backend.id, media, stream: streamKey(identity), kind, createdAt: deps.now() },
    RTC_SESSION_TTL_MS,
  );
  return username;
}

function errorJson(err: unknown): Response {
  if (err instanceof SwitchyardError) {
    return withCors(jsonErrorResponse(err.status, err.code, err.message));
  }
  throw err;
}

async function whipWhep(c: Context<ControlEnv>, kind: RtcSession['kind']): Promise<Response> {
  const deps = c.get('deps');
  try {
    const type = c.req.header('content-type') ?? '';
    if (!type.toLowerCase().startsWith('application/sdp')) {
      return errorJson(new SwitchyardError('bad_request', 415, 'Content-Type must be application/sdp'));
    }
    const offer = await readText(c, MAX_SDP_BYTES);
    if (!offer.startsWith('v=0')) throw new BadRequestError('body is not an SDP offer (must start with v=0)');
    const url = new URL(c.req.url);
    const identity = streamFromHttp(c.req.header('host'), `${url.pathname}${url.search}`);
    const target = await pickTarget(deps, identity);
    const res = await callBackend(deps, `http://${target.api.host}:${target.api.port}${url.pathname}${url.search}`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp' },
      body: offer,
    });
    const text = await res.text();
    if (res.status !== 201 && res.status !== 200) {
      return errorJson(new SwitchyardError('upstream', res.status, `origin answered ${res.status}: ${scrub(text)}`));
    }
    if (!text.startsWith('v=0')) throw new UpstreamError('origin answer is not SDP');
    const username = await storeSession(deps, target, identity, offer, text, kind);
    const candidate = await candidateFor(c, deps);
    const location = res.headers.get('location') ?? '';
    const path = location
      ? new URL(location, 'http://origin').pathname + new URL(location, 'http://origin').search
      : '';
    const resource = `/rtc/v1/resource/${encodeResourceToken({ b: target.backend.id, l: path, u: username })}`;
    deps.logger.info('rtc session', { kind, stream: streamKey(identity), backend: target.backend.id, username });
    return withCors(
      new Response(rewriteCandidates(text, candidate), {
        status: 201,
        headers: { 'content-type': 'application/sdp', location: resource, etag: `"${username}"` },
      }),
    );
  } catch (err) {
    return errorJson(err);
  }
}

/** SRS's legacy APIs: `{"sdp": "...", "streamurl": "webrtc://host/app/stream"}` in and out as JSON. */
async function legacy(c: Context<ControlEnv>, kind: RtcSession['kind']): Promise<Response> {
  const deps = c.get('deps');
  try {
    const text = await readText(c, MAX_SDP_BYTES + 4096);
    let body: { sdp?: unknown; streamurl?: unknown };
    try {
      body = JSON.parse(text);
    } catch {
      throw new BadRequestError('body is not JSON');
    }
    if (typeof body.sdp !== 'string' || typeof body.streamurl !== 'string')
      throw new BadRequestError('want {"sdp", "streamurl"}');
    const su = /^(\w+:\/\/[^/]*\/.*)\/([^/?]+(?:\?.*)?)$/.exec(body.streamurl);
    if (!su) throw new BadRequestError('streamurl must be webrtc://host/app/stream');
    const identity = streamFromRtmp(su[1] as string, su[2] as string);
    const target = await pickTarget(deps, identity);
    const url = new URL(c.req.url);
    const res = await callBackend(deps, `http://${target.api.host}:${target.api.port}${url.pathname}${url.search}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: text,
    });
    const reply = (await res.json().catch(() => undefined)) as { code?: number; sdp?: string } | undefined;
    if (!res.ok || !reply || reply.code !== 0 || typeof reply.sdp !== 'string') {
      return errorJson(
        new SwitchyardError('upstream', res.ok ? 502 : res.status, `origin refused: code ${reply?.code ?? res.status}`),
      );
    }
    await storeSession(deps, target, identity, body.sdp, reply.sdp, kind);
    reply.sdp = rewriteCandidates(reply.sdp, await candidateFor(c, deps));
    return withCors(
      new Response(JSON.stringify(reply), { status: 200, headers: { 'content-type': 'application/json' } }),
    );
  } catch (err) {
    return errorJson(err);
  }
}

async function deleteResource(c: Context<ControlEnv>): Promise<Response> {
  const deps = c.get('deps');
  try {
    const token = decodeResourceToken(c.req.param('token') ?? '');
    const backend = await deps.store.getBackend(token.b);
    if (backend && token.l) {
      const api = backend.endpoints.api?.[0];
      if (api) {
        const { host, port } = dialAddress(api, backend.ip);
        const res = await callBackend(deps, `http://${host}:${port}${token.l}`, { method: 'DELETE' });
        await res.body?.cancel();
      }
    }
    await deps.store.deleteRtcSession(token.u);
    deps.onRtcSessionDeleted?.(token.u);
    deps.logger.info('rtc session deleted', { username: token.u, backend: token.b });
    return withCors(new Response(null, { status: 200 }));
  } catch (err) {
    return errorJson(err);
  }
}

const preflight = () => withCors(new Response(null, { status: 204 }));
const notAllowed = (allow: string, message: string) =>
  withCors(jsonErrorResponse(405, 'method_not_allowed', message, { allow }));

export const rtcRoute = new Hono<ControlEnv>();
for (const [path, kind] of [
  ['/rtc/v1/whip', 'publish'],
  ['/rtc/v1/whep', 'play'],
] as const) {
  rtcRoute.post(path, (c) => whipWhep(c, kind)).post(`${path}/`, (c) => whipWhep(c, kind));
  rtcRoute.options(path, preflight).options(`${path}/`, preflight);
}
rtcRoute.post('/rtc/v1/publish/', (c) => legacy(c, 'publish')).post('/rtc/v1/play/', (c) => legacy(c, 'play'));
rtcRoute
  .delete('/rtc/v1/resource/:token', deleteResource)
  .options('/rtc/v1/resource/:token', preflight)
  .patch('/rtc/v1/resource/:token', () =>
    notAllowed('DELETE, OPTIONS', 'trickle ICE and ICE restarts are not supported; renegotiate with a new POST'),
  )
  .on(['GET', 'POST', 'PUT'], '/rtc/v1/resource/:token', () =>
    notAllowed('DELETE, PATCH, OPTIONS', 'use DELETE to end the session'),
  );
