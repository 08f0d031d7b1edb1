// The system API binds every interface by default (origins on other hosts must reach it with their
// heartbeats). Without a registration secret or control token, anyone who reaches it can register
// origins and steer streams: say so loudly at start.

import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/log.ts';

const LOOPBACK = /^(127\.|::1$|localhost$)/;

export function systemApiExposed(config: Pick<Config, 'systemApi' | 'registerSecret' | 'controlToken'>): string[] {
  if (LOOPBACK.test(config.systemApi.host)) return [];
  const missing: string[] = [];
  if (!config.registerSecret) missing.push('PROXY_REGISTER_SECRET');
  if (!config.controlToken) missing.push('PROXY_CONTROL_TOKEN');
  return missing;
}

export function warnIfSystemApiExposed(config: Readonly<Config>, logger: Logger): void {
  const missing = systemApiExposed(config);
  if (missing.length === 0) return;
  logger.warn('system API reachable beyond this host without protection', {
    systemApi: `${config.systemApi.host}:${config.systemApi.port}`,
    unset: missing,
    fix: 'set the unset variables, or bind PROXY_SYSTEM_API to a private interface (docs/security.md)',
  });
}
