// WebRTC signalling: WHIP/WHEP (RFC 9725 and the WHEP draft, SRS's paths) and SRS's legacy JSON
// APIs. The offer goes to the stream's origin; the answer comes back with its candidates
// replaced by a data-plane node's address, and the session is stored for the data plane.

import type { Context } from 'hono';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { BackendRecord, RtcSession } from '../../shared/api-types.ts';
import { dialAddress } from '../../shared/endpoint.ts';
import {
  BadRequestError,
  MethodNotAllowedError,
  NoBackendError,
  NotFoundError,
  SwitchyardError,
  UnsupportedMediaTypeError,
  UpstreamError,
} from '../../shared/errors.ts';
import { type StreamIdentity, streamFromHttp, streamFromRtmp, streamKey } from '../../shared/stream-identity.ts';
import type { ControlEnv } from '../context.ts';
import { type OriginTarget, originRequest } from '../origin-reach.ts';
import { readText } from '../read-body.ts';
import { routeStream, type StreamRoute } from '../routing.ts';
import {
  decodeResourceToken,
  encodeResourceToken,
  originDeletePath,
  RESOURCE_TOKEN_TTL_MS,
} from '../rtc/resource-token.ts';
import { type CandidateAddress, firstCandidate, icePwd, iceUfrag, rewriteCandidates } from '../rtc/sdp.ts';

const MAX_SDP_BYTES = 64 * 1024;
const BACKEND_TIMEOUT_MS = 10_000;

type Deps = ControlEnv['Variables']['deps'];

/** Backend error text without addresses in it. */
function scrub(text: string): string {
  return text.replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b/g, '[origin]').slice(0, 300);
}

/** Routes the stream to its origin's HTTP API, as every other protocol is routed. */
async function routeToApi(c: Context<ControlEnv>, identity: StreamIdentity): Promise<StreamRoute> {
  const deps = c.get('deps');
  c.set('stream', streamKey(identity));
  const route = await routeStream(deps.store, { ...identity, proto: 'api' }, deps.now(), deps.random());
  c.set('backend', route.backend.id);
  return route;
}

/** The address clients send media to: configured, else a live announced node, else the request's host. */
async function candidateFor(c: Context<ControlEnv>, deps: Deps): Promise<CandidateAddress> {
  if (deps.rtcCandidate?.host) return { host: deps.rtcCandidate.host, port: deps.rtcCandidate.port };
  const now = deps.now();
  const nodes = (await deps.store.listNodes()).filter(
    (n) => n.publicIp && n.rtcPort && now - n.updatedAt <= deps.aliveMs,
  );
  if (nodes.length > 0) {
    const node = nodes[Math.floor(deps.random() * nodes.length)] ?? nodes[0]!;
    return { host: node.publicIp as string, port: node.rtcPort as number };
  }
  if (deps.rtcCandidate) {
    const host = (c.req.header('host') ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    const isIp = /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
    return { host: isIp ? host : '127.0.0.1', port: deps.rtcCandidate.port };
  }
  throw new NoBackendError('no data-plane node has announced a WebRTC address');
}

/** The origin's API port as a request target: its private address, and its public URL if any. */
function apiTarget(backend: BackendRecord, address: OriginTarget['address']): OriginTarget {
  return { id: backend.id, address, publicUrl: backend.publicUrls?.api, region: backend.region };
}

/** One request to an origin's API, the way this control plane reaches origins (origin-reach.ts). */
async function callBackend(deps: Deps, target: OriginTarget, path: string, init: RequestInit): Promise<Response> {
  try {
    return await originRequest(deps)(target, path, {
      ...init,
      redirect: 'manual',
      signal: AbortSignal.timeout(BACKEND_TIMEOUT_MS),
    });
  } catch (err) {
    if (err instanceof SwitchyardError) throw err;
    throw new UpstreamError(`origin API unreachable: ${(err as Error).message}`, { cause: err });
  }
}

/** Posts the client's body to the same path and query on the stream's origin API. */
function postToOrigin(c: Context<ControlEnv>, route: StreamRoute, contentType: string, body: string) {
  const url = new URL(c.req.url);
  return callBackend(c.get('deps'), apiTarget(route.backend, route.address), `${url.pathname}${url.search}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
}

async function storeSession(
  deps: Deps,
  route: StreamRoute,
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
  const rtc = route.backend.endpoints.rtc?.[0];
  const media = rtc
    ? dialAddress(rtc, route.backend.ip)
    : { host: route.backend.ip, port: firstCandidate(answer)?.port ?? 0 };
  if (!media.port)
    throw new UpstreamError('origin answer names no candidate and the origin registered no rtc endpoint');
  await deps.store.putRtcSession({
    username,
    backendId: route.backend.id,
    media,
    stream: route.stream,
    kind,
    createdAt: deps.now(),
    icePwd: icePwd(answer),
  });
  return username;
}

async function whipWhep(c: Context<ControlEnv>, kind: RtcSession['kind']): Promise<Response> {
  const deps = c.get('deps');
  const type = c.req.header('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/sdp')) {
    throw new UnsupportedMediaTypeError('Content-Type must be application/sdp');
  }
  const offer = await readText(c, MAX_SDP_BYTES);
  if (!offer.startsWith('v=0')) throw new BadRequestError('body is not an SDP offer (must start with v=0)');
  const url = new URL(c.req.url);
  const route = await routeToApi(c, streamFromHttp(c.req.header('host'), `${url.pathname}${url.search}`));
  // Known before the origin is asked, so a missing node never leaves a session behind at the origin.
  const candidate = await candidateFor(c, deps);
  const res = await postToOrigin(c, route, 'application/sdp', offer);
  const text = await res.text();
  if (res.status !== 201 && res.status !== 200) {
    throw new UpstreamError(`origin answered ${res.status}: ${scrub(text)}`, { status: res.status });
  }
  if (!text.startsWith('v=0')) throw new UpstreamError('origin answer is not SDP');
  const username = await storeSession(deps, route, offer, text, kind);
  const token = encodeResourceToken(
    {
      b: route.backend.id,
      l: originDeletePath(res.headers.get('location'), username),
      u: username,
      e: deps.now() + RESOURCE_TOKEN_TTL_MS,
    },
    deps.signer,
  );
  deps.logger.info('rtc session', { kind, stream: route.stream, backend: route.backend.id });
  deps.logger.debug('rtc session username', { username });
  return new Response(rewriteCandidates(text, candidate), {
    status: 201,
    headers: { 'content-type': 'application/sdp', location: `/rtc/v1/resource/${token}`, etag: `"${username}"` },
  });
}

/** SRS's legacy APIs: `{"sdp": "...", "streamurl": "webrtc://host/app/stream"}` in and out as JSON. */
async function legacy(c: Context<ControlEnv>, kind: RtcSession['kind']): Promise<Response> {
  const deps = c.get('deps');
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
  const route = await routeToApi(c, streamFromRtmp(su[1] as string, su[2] as string));
  const candidate = await candidateFor(c, deps);
  const res = await postToOrigin(c, route, 'application/json', text);
  const reply = (await res.json().catch(() => undefined)) as { code?: number; sdp?: string } | undefined;
  if (!res.ok || !reply || reply.code !== 0 || typeof reply.sdp !== 'string') {
    throw new UpstreamError(`origin refused: code ${reply?.code ?? res.status}`, { status: res.ok ? 502 : res.status });
  }
  await storeSession(deps, route, body.sdp, reply.sdp, kind);
  reply.sdp = rewriteCandidates(reply.sdp, candidate);
  return c.json(reply);
}

async function deleteResource(c: Context<ControlEnv>): Promise<Response> {
  const deps = c.get('deps');
  const token = decodeResourceToken(c.req.param('token') ?? '', deps.signer, deps.now());
  const backend = await deps.store.getBackend(token.b);
  if (!backend) throw new NotFoundError('the origin of this session is no longer registered');
  const api = backend.endpoints.api?.[0];
  if (api && token.l) {
    const target = apiTarget(backend, dialAddress(api, backend.ip));
    const res = await callBackend(deps, target, token.l, { method: 'DELETE' });
    await res.body?.cancel();
  }
  await deps.store.deleteRtcSession(token.u);
  deps.onRtcSessionDeleted?.(token.u);
  deps.logger.info('rtc session deleted', { backend: token.b });
  return c.body(null, 200);
}

const notAllowed = (allow: string, message: string) => () => {
  throw new MethodNotAllowedError(allow, message);
};

export const rtcRoute = new Hono<ControlEnv>();
rtcRoute.use(
  '/rtc/v1/*',
  cors({
    origin: '*',
    allowMethods: ['POST', 'DELETE', 'PATCH', 'OPTIONS'],
    allowHeaders: ['content-type', 'authorization', 'if-match'],
    exposeHeaders: ['location', 'etag', 'link', 'accept-patch'],
  }),
);
for (const [path, kind] of [
  ['/rtc/v1/whip', 'publish'],
  ['/rtc/v1/whep', 'play'],
] as const) {
  rtcRoute.post(path, (c) => whipWhep(c, kind)).post(`${path}/`, (c) => whipWhep(c, kind));
}
rtcRoute.post('/rtc/v1/publish/', (c) => legacy(c, 'publish')).post('/rtc/v1/play/', (c) => legacy(c, 'play'));
rtcRoute
  .delete('/rtc/v1/resource/:token', deleteResource)
  .patch(
    '/rtc/v1/resource/:token',
    notAllowed('DELETE, OPTIONS', 'trickle ICE and ICE restarts are not supported; renegotiate with a new POST'),
  )
  .on(
    ['GET', 'POST', 'PUT'],
    '/rtc/v1/resource/:token',
    notAllowed('DELETE, PATCH, OPTIONS', 'use DELETE to end the session'),
  );
