// RTMP play benchmark, side by side in one run: N players of one ~500 kbps stream straight from
// nginx-rtmp, through Switchyard, and through HAProxy (TCP mode). See bench/play-bench.ts for the
// columns. Usage: npm run bench:rtmp -- [players=200] [seconds=10] [workers=1] [kbps=436]
import { publishTestStream } from '../test/helpers/ffmpeg.ts';
import { startNginxRtmp } from '../test/helpers/nginx-rtmp.ts';
import { originBody, register } from '../test/helpers/switchyard.ts';
import { startHaproxy } from './haproxy.ts';
import { benchArgs, measurePaths, printPlayTable, sleep, startBenchSwitchyard, Teardown } from './play-bench.ts';
import { startRtmpPlayer } from './rtmp-player.ts';

const { players, seconds, workers, kbps } = benchArgs({ players: 200, seconds: 10 });
const teardown = new Teardown();
try {
  const nginx = teardown.add(await startNginxRtmp({ connections: players + 1024 }));
  const sy = teardown.add(await startBenchSwitchyard(workers));
  const haproxy = teardown.add(await startHaproxy(nginx.rtmpPort, workers));
  teardown.add(publishTestStream(`rtmp://127.0.0.1:${nginx.rtmpPort}/live/bench`, { seconds: 3600, bitrateK: kbps }));
  await register(sy.systemPort, originBody('nginx', { rtmp: nginx.rtmpPort }));
  await sleep(3000);
  const target = (label: string, port: number, pid: number | undefined) => ({
    label,
    pid: pid as number,
    startPlayer: () => startRtmpPlayer(port, 'live', 'bench'),
  });
  const rows = await measurePaths(
    [
      ['direct', target('direct (nginx-rtmp)', nginx.rtmpPort, nginx.process.proc.pid)],
      ['switchyard', target(`Switchyard (${workers} worker)`, sy.rtmpPort, sy.process.proc.pid)],
      ['haproxy', target(`HAProxy TCP (${workers} thread)`, haproxy.port, haproxy.process.proc.pid)],
    ],
    players,
    seconds,
  );
  printPlayTable(`RTMP play: ${players} players x ~${Math.round(kbps * 1.15)} kbps, ${seconds} s measured each`, rows);
} finally {
  await teardown.run();
}
