// How a data-plane node asks the control plane where a stream lives: in-process through the
// Hono app (all-in-one) or over HTTP with the control token (split deployment). Caches nothing:
// the control plane's answer is the single source of truth for stickiness.

import type { BackendRecord, NodeRecord, RouteRequest, RouteResponse, RtcSession } from '../shared/api-types.ts';
import { ForbiddenError, NoBackendError, SwitchyardError, UnavailableError, UpstreamError } from '../shared/errors.ts';

export interface ControlClient {
  route(request: RouteRequest): Promise<RouteResponse>;
  /** One registered backend by id (for HLS segment requests), or null. */
  backend(id: string): Promise<BackendRecord | null>;
  /** A WebRTC session by ICE username (refreshing its TTL), or null. */
  rtcSession(username: string): Promise<RtcSession | null>;
  /** Announces this node (heartbeat). */
  announce(node: Omit<NodeRecord, 'updatedAt'>): Promise<void>;
  /** Reports a backend this node could not reach (`ok` false) or reached again by a probe. */
  reportBackend(id: string, ok: boolean, reason: string): Promise<void>;
}

type FetchLike = (request: Request) => Response | Promise<Response>;

const ROUTE_TIMEOUT_MS = 5_000;

export function createControlClient(options: { fetch: FetchLike; baseUrl: string; token?: string }): ControlClient {
  const authHeaders = (): Record<string, string> => (options.token ? { authorization: `Bearer ${options.token}` } : {});
  return {
    async rtcSession(username) {
      const res = await options.fetch(
        new Request(`${options.baseUrl}/api/v1/rtc/sessions/${encodeURIComponent(username)}`, {
          headers: authHeaders(),
          signal: AbortSignal.timeout(ROUTE_TIMEOUT_MS),
        }),
      );
      if (res.status === 404) return null;
      const body = (await res.json().catch(() => undefined)) as { data?: { session?: RtcSession } } | undefined;
      if (res.status !== 200 || !body?.data?.session) throw new UpstreamError(`control plane answered ${res.status}`);
      return body.data.session;
    },
    async announce(node) {
      const res = await options.fetch(
        new Request(`${options.baseUrl}/api/v1/nodes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...authHeaders() },
          body: JSON.stringify(node),
          signal: AbortSignal.timeout(ROUTE_TIMEOUT_MS),
        }),
      );
      await res.body?.cancel();
      if (res.status !== 200) throw new UpstreamError(`control plane answered ${res.status} to the node heartbeat`);
    },
    async reportBackend(id, ok, reason) {
      const res = await options.fetch(
        new Request(`${options.baseUrl}/api/v1/backends/${encodeURIComponent(id)}/${ok ? 'probes' : 'failures'}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...authHeaders() },
          body: JSON.stringify({ reason }),
          signal: AbortSignal.timeout(ROUTE_TIMEOUT_MS),
        }),
      );
      await res.body?.cancel();
      if (res.status !== 200 && res.status !== 404) throw new UpstreamError(`control plane answered ${res.status}`);
    },
    async route(request) {
      const headers = { 'content-type': 'application/json', ...authHeaders() };
      let res: Response;
      try {
        res = await options.fetch(
          new Request(`${options.baseUrl}/api/v1/routes`, {
            method: 'POST',
            headers,
            body: JSON.stringify(request),
            signal: AbortSignal.timeout(ROUTE_TIMEOUT_MS),
          }),
        );
      } catch (err) {
        throw new UpstreamError(`control plane unreachable: ${(err as Error).message}`, { cause: err });
      }
      const body = (await res.json().catch(() => undefined)) as Partial<RouteResponse> & { message?: string };
      if (res.status === 503 && body && (body as { error?: string }).error !== 'no_backend') {
        throw new UnavailableError(`control plane unavailable: ${body.message ?? res.status}`);
      }
      if (res.status === 503) throw new NoBackendError(body?.message ?? 'no backend');
      if (res.status === 403) throw new ForbiddenError(body?.message ?? 'denied');
      if (res.status !== 200 || !body?.address) {
        throw new UpstreamError(`control plane answered ${res.status}: ${body?.message ?? 'unexpected body'}`);
      }
      return body as RouteResponse;
    },
    async backend(id) {
      const res = await options.fetch(
        new Request(`${options.baseUrl}/api/v1/servers/${encodeURIComponent(id)}`, {
          headers: authHeaders(),
          signal: AbortSignal.timeout(ROUTE_TIMEOUT_MS),
        }),
      );
      if (res.status === 404) return null;
      const body = (await res.json().catch(() => undefined)) as { data?: { server?: BackendRecord } } | undefined;
      if (res.status !== 200 || !body?.data?.server) throw new UpstreamError(`control plane answered ${res.status}`);
      return body.data.server;
    },
  };
}

/** The embedded control app, called without a network hop. */
export function inProcessControlClient(app: { fetch: FetchLike }, token?: string): ControlClient {
  return createControlClient({ fetch: (req) => app.fetch(req), baseUrl: 'http://control.internal', token });
}

export function remoteControlClient(baseUrl: string, token?: string): ControlClient {
  return createControlClient({ fetch: (req) => fetch(req), baseUrl, token });
}

export function isNoBackend(err: unknown): boolean {
  return err instanceof SwitchyardError && err.code === 'no_backend';
}
