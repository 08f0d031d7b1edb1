// HLS benchmark, side by side in one run, against nginx-rtmp's HLS: straight to nginx's HTTP
// server, through Switchyard's HTTP stream port (playlist rewrite, signed segment markers), and
// through HAProxy (TCP mode). Playlists: keep-alive clients re-requesting the playlist (req/s,
// relay CPU s per 1000 requests, RSS growth). Segments: clients fetching the newest complete
// segment over and over (MB/s, relay CPU s per GB, % core).
// Runs of 30 s or more also print each path's RSS every 10 s (does memory level off?).
// Usage: npm run bench:hls -- [segment clients=50] [seconds=10] [playlist clients=10]
import { publishTestStream } from '../test/helpers/ffmpeg.ts';
import { startNginxRtmp } from '../test/helpers/nginx-rtmp.ts';
import { originBody, register } from '../test/helpers/switchyard.ts';
import { startHaproxy } from './haproxy.ts';
import { keepAliveLoad, recentSegment } from './http-load.ts';
import { percentile, sleep, startBenchSwitchyard, Teardown } from './play-bench.ts';
import { cpuSeconds, rssBytes } from './proc-stats.ts';

const segmentClients = Number(process.argv[2] ?? 50);
const seconds = Number(process.argv[3] ?? 10);
const playlistClients = Number(process.argv[4] ?? 10);
const workers = Number(process.env.PROXY_WORKERS ?? 1);

interface Measured {
  elapsed: number;
  cpu: number;
  rssGrowthMb: number;
  /** RSS in MB at the start and every 10 s after. */
  rssMb: number[];
  load: Awaited<ReturnType<typeof keepAliveLoad>>;
}

async function measure(pid: number, run: (stop: Promise<void>) => ReturnType<typeof keepAliveLoad>) {
  const rss0 = rssBytes(pid);
  const rssMb = [rss0 / 1048576];
  const sampler = setInterval(() => rssMb.push(rssBytes(pid) / 1048576), 10_000);
  const cpu0 = cpuSeconds(pid);
  const t0 = process.hrtime.bigint();
  const load = await run(sleep(seconds * 1000) as Promise<void>);
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(sampler);
  const rssGrowthMb = (rssBytes(pid) - rss0) / 1048576;
  return { elapsed, cpu: cpuSeconds(pid) - cpu0, rssGrowthMb, rssMb, load } as Measured;
}

const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const teardown = new Teardown();
try {
  const nginx = teardown.add(await startNginxRtmp());
  const sy = teardown.add(await startBenchSwitchyard(workers));
  const haproxy = teardown.add(await startHaproxy(nginx.httpPort, workers));
  teardown.add(publishTestStream(`rtmp://127.0.0.1:${nginx.rtmpPort}/live/bench`, { seconds: 3600, bitrateK: 636 }));
  await register(sy.systemPort, originBody('nginx', { rtmp: nginx.rtmpPort, http: nginx.httpPort }));
  await sleep(6000); // a few 1 s fragments in the playlist
  const targets: Array<[string, number, number]> = [
    ['direct (nginx http)', nginx.httpPort, nginx.process.proc.pid as number],
    [`Switchyard (${workers} worker)`, sy.httpPort, sy.process.proc.pid as number],
    [`HAProxy TCP (${workers} thread)`, haproxy.port, haproxy.process.proc.pid as number],
  ];
  const playlistRows: string[] = [];
  const segmentRows: string[] = [];
  const reqPerS: number[] = [];
  const segCpu: number[] = [];
  const rssRows: string[] = [];
  for (const [label, port, pid] of targets) {
    const playlistUrl = `http://127.0.0.1:${port}/live/bench.m3u8`;
    const p = await measure(pid, (stop) => keepAliveLoad(port, playlistClients, () => '/live/bench.m3u8', stop));
    const rate = p.load.requests / p.elapsed;
    reqPerS.push(rate);
    playlistRows.push(
      `| ${label} | ${f(rate, 0)} | ${f((p.cpu / p.load.requests) * 1000, 3)} | ${f((p.cpu / p.elapsed) * 100)} | ${f(p.rssGrowthMb)} | ${f(percentile(p.load.latenciesMs, 99), 2)} | ${p.load.failed} |`,
    );
    rssRows.push(`${label}: ${p.rssMb.map((mb) => f(mb, 0)).join(' ')}`);
    // Segment URIs as this path's own playlist names them (Switchyard's carry the signed marker).
    let segment = '';
    const refresh = async () => {
      const text = await (await fetch(playlistUrl)).text();
      const uri = recentSegment(text);
      if (uri) segment = new URL(uri, playlistUrl).pathname + new URL(uri, playlistUrl).search;
    };
    await refresh();
    const timer = setInterval(() => void refresh().catch(() => {}), 500);
    const s = await measure(pid, (stop) => keepAliveLoad(port, segmentClients, () => segment, stop));
    clearInterval(timer);
    const mb = s.load.bytes / 1e6;
    segCpu.push(s.cpu / (mb / 1000));
    segmentRows.push(
      `| ${label} | ${f(mb / s.elapsed)} | ${f(s.cpu / (mb / 1000), 2)} | ${f((s.cpu / s.elapsed) * 100)} | ${f(s.load.bytes / Math.max(1, s.load.requests) / 1024, 0)} KB | ${f(percentile(s.load.latenciesMs, 99), 1)} | ${s.load.failed} |`,
    );
  }
  console.log(`\nHLS playlists: ${playlistClients} keep-alive clients, ${seconds} s each\n`);
  console.log('| path | req/s | relay CPU s per 1000 | % core | RSS growth MB | p99 ms | failed |');
  console.log('|---|---|---|---|---|---|---|');
  for (const row of playlistRows) console.log(row);
  if (seconds >= 30) console.log(`\nRSS MB under playlist load, every 10 s:\n${rssRows.join('\n')}`);
  console.log(`\nHLS segments: ${segmentClients} keep-alive clients, ${seconds} s each\n`);
  console.log('| path | MB/s | relay CPU s/GB | % core | segment size | p99 ms | failed |');
  console.log('|---|---|---|---|---|---|---|');
  for (const row of segmentRows) console.log(row);
  const [direct, proxied, ha] = reqPerS as [number, number, number];
  console.log(
    `\nSwitchyard playlist req/s: ${f(proxied / direct, 2)}x direct, ${f(proxied / ha, 2)}x HAProxy; ` +
      `segment CPU per GB: ${f((segCpu[1] as number) / (segCpu[2] as number), 2)}x HAProxy`,
  );
} finally {
  await teardown.run();
}
