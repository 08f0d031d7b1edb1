// CPU and memory of a process and its descendants from /proc (Linux), for benchmarks: a relay
// with worker processes (PROXY_WORKERS) is measured as its whole tree.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

function children(pid: number): number[] {
  try {
    const tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return tasks ? tasks.split(' ').map(Number) : [];
  } catch {
    return [];
  }
}

/** The process and every descendant. */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...children(all[i] as number));
  return all;
}

/** utime and stime of one process, in seconds. */
function ownCpu(pid: number): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / TICKS_PER_SECOND, system: Number(fields[12]) / TICKS_PER_SECOND };
  } catch {
    return { user: 0, system: 0 }; // exited between listing and reading
  }
}

function ownCpuSeconds(pid: number): number {
  const { user, system } = ownCpu(pid);
  return user + system;
}

/** Kernel-mode CPU seconds (stime) of the process and its descendants. */
export function systemCpuSeconds(pid: number): number {
  return processTree(pid).reduce((s, p) => s + ownCpu(p).system, 0);
}

function ownRssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** utime + stime of the process and its descendants, in seconds. */
export function cpuSeconds(pid: number): number {
  return processTree(pid).reduce((s, p) => s + ownCpuSeconds(p), 0);
}

/** Resident memory of the process and its descendants. */
export function rssBytes(pid: number): number {
  return processTree(pid).reduce((s, p) => s + ownRssBytes(p), 0);
}

/** CPU seconds per process of the tree, for showing how the work spreads over workers. */
export function cpuByProcess(pid: number): Map<number, number> {
  return new Map(processTree(pid).map((p) => [p, ownCpuSeconds(p)]));
}

/** Datagrams each local UDP port's socket dropped so far (/proc/net/udp, IPv4), by port. */
export function udpDropsByPort(): Map<number, number> {
  const drops = new Map<number, number>();
  for (const line of readFileSync('/proc/net/udp', 'utf8').trim().split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const port = Number.parseInt(fields[1]?.split(':')[1] ?? '', 16);
    drops.set(port, (drops.get(port) ?? 0) + Number(fields[fields.length - 1]));
  }
  return drops;
}
