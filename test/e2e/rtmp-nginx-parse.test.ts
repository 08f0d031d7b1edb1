// Regression: many ffmpeg publishes through Switchyard must leave nginx-rtmp without a single
// chunk-parsing error. (Announcing a chunk size the publisher then echoes, followed by the
// origin's own size, once made nginx mis-parse about one publish in eight.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { publishTestStream } from '../helpers/ffmpeg.ts';
import { type NginxOrigin, startNginxRtmp } from '../helpers/nginx-rtmp.ts';
import { originBody, register, type SwitchyardProcess, startSwitchyard } from '../helpers/switchyard.ts';

let nginx: NginxOrigin;
let sy: SwitchyardProcess;

before(async () => {
  [nginx, sy] = await Promise.all([startNginxRtmp(), startSwitchyard()]);
  await register(sy.systemPort, originBody('nginx', { rtmp: nginx.rtmpPort }));
});

after(async () => {
  await Promise.all([sy?.stop(), nginx?.stop()]);
});

describe('RTMP publishes through Switchyard, as nginx-rtmp parses them', () => {
  it('24 publishes leave no chunk-parsing error in nginx', async () => {
    for (let round = 0; round < 6; round++) {
      const pubs = [0, 1, 2, 3].map((k) =>
        publishTestStream(`rtmp://127.0.0.1:${sy.rtmpPort}/live/p${round}-${k}`, { seconds: 2 }),
      );
      const codes = await Promise.all(pubs.map((p) => p.exited));
      assert.deepEqual(codes, [0, 0, 0, 0], pubs.map((p) => p.output()).join('\n'));
    }
    const errors = readFileSync(join(nginx.dir, 'error.log'), 'utf8')
      .split('\n')
      .filter((l) => /chunk stream too big|too big message|invalid|bad/i.test(l));
    assert.deepEqual(errors, []);
    assert.doesNotMatch(sy.process.output(), /"reason":"backend_gone"/);
  });
});
