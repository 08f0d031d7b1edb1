// Measures many live players of one stream through one relay (or straight at the origin) and
// prints the side-by-side table every play benchmark shares: players healthy, Mbps, relay CPU
// seconds per GB delivered (utime+stime of the relay's process tree), % of one core, RSS growth
// per player, p99 of the longest read gap per player, first media byte p50/p99.

import { startSwitchyard } from '../test/helpers/switchyard.ts';
import type { Player } from './player-stats.ts';
import { cpuByProcess, cpuSeconds, rssBytes } from './proc-stats.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface PlayTarget {
  label: string;
  /** The process whose tree does the relaying (the origin itself for "direct"). */
  pid: number;
  startPlayer(): Promise<Player>;
}

export interface PlayRow {
  label: string;
  wanted: number;
  healthy: number;
  mbps: number;
  cpuPerGb: number;
  pctCore: number;
  rssPerPlayerKb: number;
  p99GapMs: number;
  firstByteP50: number;
  firstByteP99: number;
  /** First media byte of players joining one at a time while the others play. */
  joinP50: number;
  joinP99: number;
  /** % of one core per process of the tree, when it has more than one. */
  spread: number[];
}

export function percentile(values: number[], p: number): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Players that join one at a time after the load is up: a viewer's wait, without the bench's own burst. */
const JOIN_PROBES = 20;

async function sequentialJoins(target: PlayTarget, count: number): Promise<number[]> {
  const waits: number[] = [];
  for (let i = 0; i < count; i++) {
    const player = await startWithin(target, START_TIMEOUT_MS).catch(() => undefined);
    if (!player) continue;
    for (let t = 0; t < 100 && Number.isNaN(player.stats.firstByteMs); t++) await sleep(10);
    waits.push(player.stats.firstByteMs);
    player.close();
  }
  return waits;
}

/** Players connecting at once (BENCH_BATCH): the first-byte columns measure bursts of this size. */
const CONNECT_BATCH = Number(process.env.BENCH_BATCH ?? 50);

/** A player not playing by then counts as failed (an overloaded relay must not hang the run). */
const START_TIMEOUT_MS = 30_000;

function startWithin(target: PlayTarget, ms: number): Promise<Player> {
  return new Promise((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new Error(`no play within ${ms} ms`));
    }, ms);
    target.startPlayer().then(
      (player) => {
        clearTimeout(timer);
        if (late) player.close();
        else resolve(player);
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** Connects `players` players in batches, lets them settle, measures for `seconds`. */
async function measurePlay(target: PlayTarget, players: number, seconds: number): Promise<PlayRow> {
  const rssBefore = rssBytes(target.pid);
  const list: Player[] = [];
  let failures = 0;
  for (let i = 0; i < players; i += CONNECT_BATCH) {
    const batch = await Promise.allSettled(
      Array.from({ length: Math.min(CONNECT_BATCH, players - i) }, () => startWithin(target, START_TIMEOUT_MS)),
    );
    for (const r of batch) if (r.status === 'fulfilled') list.push(r.value);
    failures += batch.filter((r) => r.status === 'rejected').length;
  }
  if (failures > 0) console.error(`${target.label}: ${failures} players failed to start`);
  await sleep(2000); // every player past its start-up burst
  for (const p of list) p.stats.resetGap();
  const bytes0 = list.reduce((s, p) => s + p.stats.bytes, 0);
  const cpu0 = cpuSeconds(target.pid);
  const perProcess0 = cpuByProcess(target.pid);
  const t0 = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const bytes = list.reduce((s, p) => s + p.stats.bytes, 0) - bytes0;
  const cpu = cpuSeconds(target.pid) - cpu0;
  const perProcess = cpuByProcess(target.pid);
  const rssDuring = rssBytes(target.pid);
  const gaps = list.map((p) => p.stats.gapUntilNow());
  const firstBytes = list.map((p) => p.stats.firstByteMs);
  const joins = await sequentialJoins(target, JOIN_PROBES);
  for (const p of list) p.close();
  await sleep(1500);
  const spread = [...perProcess].map(([pid, s]) => ((s - (perProcess0.get(pid) ?? 0)) / elapsed) * 100);
  return {
    label: target.label,
    wanted: players,
    healthy: gaps.filter((g) => g < 1000).length,
    mbps: (bytes * 8) / elapsed / 1e6,
    cpuPerGb: cpu / (bytes / 1e9),
    pctCore: (cpu / elapsed) * 100,
    rssPerPlayerKb: (rssDuring - rssBefore) / 1024 / Math.max(1, list.length),
    p99GapMs: percentile(gaps, 99),
    firstByteP50: percentile(firstBytes, 50),
    firstByteP99: percentile(firstBytes, 99),
    joinP50: percentile(joins, 50),
    joinP99: percentile(joins, 99),
    spread: spread.length > 1 ? spread : [],
  };
}

export type PathName = 'direct' | 'switchyard' | 'haproxy';

/**
 * Measures the paths BENCH_PATHS names (comma-separated: direct, switchyard, haproxy; default
 * all three, in that order) one after the other; each row goes to stderr as soon as it is done.
 */
export async function measurePaths(
  targets: Array<[PathName, PlayTarget]>,
  players: number,
  seconds: number,
): Promise<PlayRow[]> {
  const wanted = (process.env.BENCH_PATHS ?? 'direct,switchyard,haproxy').split(',');
  const rows: PlayRow[] = [];
  for (const [name, target] of targets) {
    if (!wanted.includes(name)) continue;
    const row = await measurePlay(target, players, seconds);
    console.error(`measured ${row.label}: ${JSON.stringify(row)}`);
    rows.push(row);
  }
  return rows;
}

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export function printPlayTable(title: string, rows: PlayRow[]): void {
  console.log(`\n${title}\n`);
  console.log(
    '| path | players healthy | Mbps | CPU s/GB | % core | RSS KB/player | p99 read gap ms | first byte p50 / p99 ms (50 at once) | join p50 / p99 ms (one at a time, under load) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const spread = r.spread.length ? ` (${r.spread.map((s) => f(s, 0)).join('+')})` : '';
    console.log(
      `| ${r.label} | ${r.healthy}/${r.wanted} | ${f(r.mbps)} | ${f(r.cpuPerGb, 2)} | ${f(r.pctCore)}${spread} | ${f(r.rssPerPlayerKb)} | ${f(r.p99GapMs, 0)} | ${f(r.firstByteP50)} / ${f(r.firstByteP99)} | ${f(r.joinP50)} / ${f(r.joinP99)} |`,
    );
  }
  const [direct, proxied, haproxy] = rows;
  if (rows.length === 3 && direct && proxied && haproxy) {
    console.log(
      `\nSwitchyard / HAProxy: CPU per GB ${f(proxied.cpuPerGb / haproxy.cpuPerGb, 2)}x, RSS per player ${f(proxied.rssPerPlayerKb / haproxy.rssPerPlayerKb, 1)}x; ` +
        `first byte p50 added over direct: Switchyard ${f(proxied.firstByteP50 - direct.firstByteP50)} ms, HAProxy ${f(haproxy.firstByteP50 - direct.firstByteP50)} ms (50 at once), ` +
        `Switchyard ${f(proxied.joinP50 - direct.joinP50)} ms, HAProxy ${f(haproxy.joinP50 - direct.joinP50)} ms (joining under load)`,
    );
  }
}

/** Stops everything started so far, last first, also when a later start fails. */
export class Teardown {
  private readonly stops: Array<() => Promise<unknown>> = [];
  add<T extends { stop(): Promise<unknown> }>(thing: T): T {
    this.stops.push(() => thing.stop());
    return thing;
  }
  async run(): Promise<void> {
    for (const stop of this.stops.reverse()) await stop().catch(() => {});
  }
}

/**
 * players, seconds, workers, stream kbps from argv or BENCH_PLAYERS / BENCH_SECONDS /
 * PROXY_WORKERS / BENCH_KBPS (video bitrate handed to ffmpeg; the stream is ~15 % more with audio).
 */
export function benchArgs(defaults: { players: number; seconds: number }) {
  return {
    players: Number(process.argv[2] ?? process.env.BENCH_PLAYERS ?? defaults.players),
    seconds: Number(process.argv[3] ?? process.env.BENCH_SECONDS ?? defaults.seconds),
    workers: Number(process.argv[4] ?? process.env.PROXY_WORKERS ?? 1),
    kbps: Number(process.argv[5] ?? process.env.BENCH_KBPS ?? 436),
  };
}

/**
 * Switchyard for a benchmark: warn-level logs, no per-source pending limit (every player comes
 * from 127.0.0.1), PROXY_WORKERS workers; BENCH_PROFILE=dir writes V8 CPU profiles there,
 * BENCH_NODE_ARGS sets node's flags (default: the shipped --max-semi-space-size=1).
 */
export function startBenchSwitchyard(workers: number) {
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  // The flag the shipped run commands use (docs/data-plane.md, Deploying a node); BENCH_NODE_ARGS replaces it.
  profile.push(...(process.env.BENCH_NODE_ARGS ?? '--max-semi-space-size=1').split(' ').filter(Boolean));
  const env = { PROXY_LOG_LEVEL: 'warn', PROXY_MAX_PENDING_PER_IP: '0', PROXY_WORKERS: String(workers) };
  // What operators run: the esbuild bundle, not the sources under tsx (whose keepNames wraps
  // every closure in a defineProperty, costing CPU and ~256 bytes per closure).
  return startSwitchyard(env, profile, 'bundle');
}
