// The control plane's metrics: registrations, route decisions, requests by kind and status, store
// round trips, and per-backend gauges refreshed from the store at scrape. One set per registry,
// shared by the apps of a process (system and public) or of a Worker isolate.

import { defaultRegistry, type MetricsRegistry } from '../../shared/metrics.ts';

export function createControlMetrics(registry: MetricsRegistry) {
  return {
    registry,
    registrations: registry.counter(
      'switchyard_backend_registrations_total',
      'Backend registrations by outcome: new (appeared or came back), changed (restart), heartbeat, refused.',
      ['event'],
    ),
    routeDecisions: registry.counter(
      'switchyard_route_decisions_total',
      'Routing answers by protocol and decision: existing binding, new binding, repick after the backend died.',
      ['protocol', 'decision'],
    ),
    requests: registry.counter(
      'switchyard_control_requests_total',
      'Control-plane HTTP requests by kind (hls, whip, whep, rtc_api, register, route, hook, report, operator, other) and status.',
      ['kind', 'status'],
    ),
    storeSeconds: registry.histogram(
      'switchyard_store_request_duration_seconds',
      'Round trip of one store operation (Upstash REST request, or the in-memory call).',
      ['operation'],
    ),
    backendUp: registry.gauge('switchyard_backend_up', '1 while a backend heartbeats within PROXY_BACKEND_TTL.', [
      'backend',
    ]),
    backendAge: registry.gauge(
      'switchyard_backend_heartbeat_age_seconds',
      'Seconds since the backend last registered.',
      ['backend'],
    ),
    backendDraining: registry.gauge(
      'switchyard_backend_draining',
      '1 while an operator has marked the backend draining.',
      ['backend'],
    ),
  };
}

export type ControlMetrics = ReturnType<typeof createControlMetrics>;

const byRegistry = new WeakMap<MetricsRegistry, ControlMetrics>();

/** The control metrics of `registry` (the process's by default), created once. */
export function controlMetrics(registry: MetricsRegistry = defaultRegistry): ControlMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = createControlMetrics(registry);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}

/** The `kind` label of a control-plane request path. */
export function requestKind(path: string): string {
  if (path.startsWith('/rtc/v1/whip')) return 'whip';
  if (path.startsWith('/rtc/v1/whep')) return 'whep';
  if (path.startsWith('/rtc/v1/')) return 'rtc_api';
  if (path.startsWith('/api/v1/srs/register')) return 'register';
  if (path === '/api/v1/routes') return 'route';
  if (path.startsWith('/api/v1/hooks/')) return 'hook';
  if (path.startsWith('/api/v1/backends/')) return 'report';
  if (/\.(m3u8|ts|m4s|mp4|aac)$/.test(path)) return 'hls';
  if (path.startsWith('/api/') || path === '/metrics' || path === '/') return 'operator';
  return 'other';
}
