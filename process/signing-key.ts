// The process's signer: PROXY_SIGNING_KEY, or a random key when unset. A random key is fine for
// one all-in-one process, but resource URLs and segment markers then die with the process and
// are not valid on any other instance, which the log line says.

import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/log.ts';
import { randomSigningKey, Signer } from '../shared/signer.ts';

export function processSigner(config: Pick<Config, 'signingKey'>, logger: Logger): Signer {
  if (config.signingKey) return new Signer(config.signingKey);
  logger.info('no PROXY_SIGNING_KEY: signing with a random key for this process', {
    effect: 'WHIP/WHEP resource URLs and HLS segment URLs stop working after a restart and on other instances',
  });
  return new Signer(randomSigningKey());
}
