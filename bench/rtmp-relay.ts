// RTMP relay benchmark: N concurrent players of one 500 kbps stream, first straight from the
// origin (nginx-rtmp), then through Switchyard. Prints aggregate Mbps, CPU seconds per GB
// relayed and RSS per session. Usage: npm run bench:rtmp -- [players=200] [seconds=15]
import { publishTestStream } from '../test/helpers/ffmpeg.ts';
import { startNginxRtmp } from '../test/helpers/nginx-rtmp.ts';
import { originBody, register, startSwitchyard } from '../test/helpers/switchyard.ts';
import { cpuSeconds, rssBytes } from './proc-stats.ts';
import { type Player, startPlayer } from './rtmp-player.ts';

const players = Number(process.argv[2] ?? process.env.BENCH_PLAYERS ?? 200);
const seconds = Number(process.argv[3] ?? process.env.BENCH_SECONDS ?? 15);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Result {
  label: string;
  mbps: number;
  cpuPerGb: number;
  rssPerSessionKb: number;
  connected: number;
}

async function run(label: string, port: number, measuredPid: number): Promise<Result> {
  const rssBefore = rssBytes(measuredPid);
  const list: Player[] = [];
  for (let i = 0; i < players; i += 25) {
    const batch = await Promise.allSettled(
      Array.from({ length: Math.min(25, players - i) }, () => startPlayer(port, 'live', 'bench')),
    );
    for (const r of batch) if (r.status === 'fulfilled') list.push(r.value);
  }
  await sleep(2000); // let every player reach steady state
  const bytes0 = list.reduce((s, p) => s + p.bytes, 0);
  const cpu0 = cpuSeconds(measuredPid);
  const t0 = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const bytes = list.reduce((s, p) => s + p.bytes, 0) - bytes0;
  const cpu = cpuSeconds(measuredPid) - cpu0;
  const rssAfter = rssBytes(measuredPid);
  for (const p of list) p.close();
  await sleep(1000);
  return {
    label,
    mbps: (bytes * 8) / elapsed / 1e6,
    cpuPerGb: cpu / (bytes / 1e9),
    rssPerSessionKb: (rssAfter - rssBefore) / 1024 / Math.max(1, list.length),
    connected: list.length,
  };
}

const nginx = await startNginxRtmp();
// BENCH_PROFILE=dir writes a V8 CPU profile of the Switchyard process there.
const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
// Every player comes from 127.0.0.1: lift the per-source limit on sessions not relaying yet.
const sy = await startSwitchyard({ PROXY_LOG_LEVEL: 'warn', PROXY_MAX_PENDING_PER_IP: '0' }, profile);
try {
  await register(sy.systemPort, originBody('nginx', { rtmp: nginx.rtmpPort }));
  const publisher = publishTestStream(`rtmp://127.0.0.1:${nginx.rtmpPort}/live/bench`, {
    seconds: 3600,
    bitrateK: 436,
  });
  await sleep(3000);
  const nginxPid = nginx.process.proc.pid as number;
  const syPid = sy.process.proc.pid as number;
  const direct = await run('direct to origin (nginx cpu)', nginx.rtmpPort, nginxPid);
  const proxied = await run('through Switchyard (switchyard cpu)', sy.rtmpPort, syPid);
  await publisher.stop();
  console.log(`\nRTMP relay benchmark: ${players} players x ~500 kbps, ${seconds} s measured each\n`);
  console.log('| path | players | aggregate Mbps | CPU s per GB | RSS per session |');
  console.log('|---|---|---|---|---|');
  for (const r of [direct, proxied]) {
    console.log(
      `| ${r.label} | ${r.connected} | ${r.mbps.toFixed(1)} | ${r.cpuPerGb.toFixed(2)} | ${r.rssPerSessionKb.toFixed(1)} KiB |`,
    );
  }
  console.log(`\nthroughput ratio proxied/direct: ${(proxied.mbps / direct.mbps).toFixed(3)}`);
} finally {
  await sy.stop();
  await nginx.stop();
}
