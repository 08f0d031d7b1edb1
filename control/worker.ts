// Cloudflare Workers entry. Settings come from typed bindings (wrangler.toml [vars] and secrets)
// and are parsed by the same code as on Node; state lives in Upstash Redis.

import type { Hono } from 'hono';
import { type Env, parseConfig } from '../shared/config.ts';
import { ConfigError } from '../shared/errors.ts';
import { createLogger } from '../shared/log.ts';
import { Signer } from '../shared/signer.ts';
import { createControlApp } from './app.ts';
import { type ControlEnv, newServerIdentity } from './context.ts';
import { createStore } from './store/create-store.ts';

export interface Bindings {
  UPSTASH_REDIS_REST_URL: string;
  UPSTASH_REDIS_REST_TOKEN: string;
  PROXY_LOAD_BALANCER_TYPE?: 'redis' | 'memory';
  PROXY_REDIS_KEY_PREFIX?: string;
  PROXY_REGISTER_SECRET?: string;
  PROXY_CONTROL_TOKEN?: string;
  /** Required: every isolate must verify what another one signed. */
  PROXY_SIGNING_KEY: string;
  PROXY_BACKEND_TTL?: string;
  PROXY_BACKEND_SUSPECT_WINDOW?: string;
  PROXY_HOOKS_URL?: string;
  PROXY_STREAM_TTL?: string;
  PROXY_LOG_LEVEL?: string;
  PROXY_ORIGIN_URL_TEMPLATE?: string;
}

// One app per isolate, rebuilt only if the bindings object changes.
let cached: { env: Bindings; app: Hono<ControlEnv> } | undefined;

function appFor(env: Bindings): Hono<ControlEnv> {
  if (cached?.env === env) return cached.app;
  const config = parseConfig({ PROXY_LOAD_BALANCER_TYPE: 'redis', ...(env as unknown as Env) });
  const logger = createLogger(config.logLevel, { plane: 'control', runtime: 'workerd' });
  if (!config.signingKey) throw new ConfigError('PROXY_SIGNING_KEY is required on Workers (wrangler secret put)');
  const app = createControlApp({
    store: createStore(config),
    logger,
    identity: newServerIdentity('0'),
    aliveMs: config.backendTtlMs,
    suspectMs: config.backendSuspectMs,
    registerSecret: config.registerSecret,
    hooksUrl: config.hooksUrl,
    controlToken: config.controlToken,
    signer: new Signer(config.signingKey),
    backendNetworks: config.backendNetworks,
    clientAddressHeader: 'cf-connecting-ip',
    // A Worker fetches no IP address and few ports: origins by public name or through a node.
    originReach: 'edge',
    originUrlTemplate: config.originUrlTemplate,
    streamTtlMs: config.streamTtlMs,
  });
  cached = { env, app };
  return app;
}

export default {
  fetch(request: Request, env: Bindings, ctx: unknown): Response | Promise<Response> {
    return appFor(env).fetch(request, env, ctx as never);
  },
};
