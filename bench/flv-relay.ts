// HTTP-FLV play benchmark, side by side in one run: N players of one ~500 kbps stream straight
// from Node-Media-Server, through Switchyard's HTTP stream port, and through HAProxy (TCP mode).
// See bench/play-bench.ts for the columns. Usage: npm run bench:flv -- [players=200] [seconds=10] [workers=1] [kbps=436]
import { publishTestStream } from '../test/helpers/ffmpeg.ts';
import { startNodeMediaServer } from '../test/helpers/node-media-server.ts';
import { originBody, register } from '../test/helpers/switchyard.ts';
import { startHttpPlayer } from './flv-player.ts';
import { startHaproxy } from './haproxy.ts';
import { benchArgs, measurePaths, printPlayTable, sleep, startBenchSwitchyard, Teardown } from './play-bench.ts';

const { players, seconds, workers, kbps } = benchArgs({ players: 200, seconds: 10 });
const teardown = new Teardown();
try {
  const nms = teardown.add(await startNodeMediaServer());
  const sy = teardown.add(await startBenchSwitchyard(workers));
  const haproxy = teardown.add(await startHaproxy(nms.httpPort, workers));
  teardown.add(publishTestStream(`rtmp://127.0.0.1:${nms.rtmpPort}/live/bench`, { seconds: 3600, bitrateK: kbps }));
  await register(sy.systemPort, originBody('nms', { rtmp: nms.rtmpPort, http: nms.httpPort }));
  await sleep(3000);
  const target = (label: string, port: number, pid: number | undefined) => ({
    label,
    pid: pid as number,
    startPlayer: () => startHttpPlayer(port, '/live/bench.flv'),
  });
  const rows = await measurePaths(
    [
      ['direct', target('direct (Node-Media-Server)', nms.httpPort, nms.process.proc.pid)],
      ['switchyard', target(`Switchyard (${workers} worker)`, sy.httpPort, sy.process.proc.pid)],
      ['haproxy', target(`HAProxy TCP (${workers} thread)`, haproxy.port, haproxy.process.proc.pid)],
    ],
    players,
    seconds,
  );
  printPlayTable(
    `HTTP-FLV play: ${players} players x ~${Math.round(kbps * 1.15)} kbps, ${seconds} s measured each`,
    rows,
  );
} finally {
  await teardown.run();
}
