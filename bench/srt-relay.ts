// SRT relay benchmark: srt-live-transmit callers push a paced UDP feed (1316-byte TS-sized
// packets) to an srt-live-transmit origin, first directly, then through Switchyard. Prints the
// delivered Mbps, loss, and Switchyard's CPU seconds per GB relayed.
// Usage: npm run bench:srt -- [mbps=50] [seconds=10] [callers=4]
import { createSocket } from 'node:dgram';
import { freeUdpPort } from '../test/helpers/ports.ts';
import { startProcess } from '../test/helpers/processes.ts';
import { startSrtIngestOrigin } from '../test/helpers/srt-origin.ts';
import { register, startSwitchyard, streamBoundTo } from '../test/helpers/switchyard.ts';
import { cpuSeconds } from './proc-stats.ts';

const mbps = Number(process.argv[2] ?? 50);
const seconds = Number(process.argv[3] ?? 10);
const callers = Number(process.argv[4] ?? 4);
const PACKET = 1316;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(label: string, targetPort: number, measuredPid: number | undefined) {
  const origins = await Promise.all(Array.from({ length: callers }, () => startSrtIngestOrigin()));
  const procs = [];
  const feeds: number[] = [];
  const names: string[] = [];
  for (let i = 0; i < callers; i++) {
    if (targetPort === 0) {
      names.push(`bench${i}`);
      continue;
    }
    // Through Switchyard each stream is bound to its own origin (a srt-live-transmit listener takes one caller).
    const server = `${label.replace(/\W/g, '')}-o${i}`;
    await register(sy.systemPort, {
      ip: '127.0.0.1',
      server,
      service: 's',
      pid: '1',
      rtmp: ['1'],
      srt: [String(origins[i]?.srtPort)],
    });
    names.push(await streamBoundTo(sy.systemPort, server, `${server}-s`));
  }
  for (let i = 0; i < callers; i++) {
    const feed = await freeUdpPort();
    feeds.push(feed);
    const port = targetPort === 0 ? (origins[i]?.srtPort as number) : targetPort;
    procs.push(
      startProcess('srt-live-transmit', [
        '-q',
        `udp://127.0.0.1:${feed}`,
        `srt://127.0.0.1:${port}?streamid=#!::r=live/${names[i]},m=publish&latency=200`,
      ]),
    );
  }
  await sleep(1500);
  const sender = createSocket('udp4');
  const payload = Buffer.alloc(PACKET, 0x47);
  const perTick = Math.max(1, Math.round((mbps * 1e6) / 8 / PACKET / 200 / callers));
  let sent = 0;
  const cpu0 = measuredPid ? cpuSeconds(measuredPid) : 0;
  const before = origins.reduce((n, o) => n + o.bytes().length, 0);
  const t0 = Date.now();
  const timer = setInterval(() => {
    for (const feed of feeds) for (let k = 0; k < perTick; k++) sender.send(payload, feed, '127.0.0.1');
    sent += feeds.length * perTick * PACKET;
  }, 5);
  await sleep(seconds * 1000);
  clearInterval(timer);
  await sleep(1500);
  const elapsed = (Date.now() - t0) / 1000 - 1.5;
  const delivered = origins.reduce((n, o) => n + o.bytes().length, 0) - before;
  const cpu = measuredPid ? cpuSeconds(measuredPid) - cpu0 : Number.NaN;
  sender.close();
  for (const p of procs) await p.stop();
  await Promise.all(origins.map((o) => o.stop()));
  return {
    label,
    mbps: (delivered * 8) / elapsed / 1e6,
    loss: 1 - delivered / sent,
    cpuPerGb: cpu / (delivered / 1e9),
  };
}

const sy = await startSwitchyard({ PROXY_LOG_LEVEL: 'warn' });
try {
  const direct = await run('direct', 0, undefined);
  const relayed = await run('through Switchyard', sy.srtPort, sy.process.proc.pid as number);
  console.log(`\nSRT relay benchmark: ${callers} callers, ${mbps} Mbps offered in total, ${seconds} s each\n`);
  console.log('| path | delivered Mbps | loss | Switchyard CPU s per GB |');
  console.log('|---|---|---|---|');
  for (const r of [direct, relayed]) {
    console.log(
      `| ${r.label} | ${r.mbps.toFixed(1)} | ${(Math.max(0, r.loss) * 100).toFixed(2)} % | ${Number.isNaN(r.cpuPerGb) ? '-' : r.cpuPerGb.toFixed(2)} |`,
    );
  }
} finally {
  await sy.stop();
}
