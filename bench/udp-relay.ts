// WebRTC UDP relay benchmark: N sessions of 1200-byte datagrams against a UDP echo backend, first
// direct, then through Switchyard's relay, at one offered rate or stepped up until datagrams are
// lost. Per step it prints offered and delivered packets/s, loss, CPU µs per datagram hop (one
// datagram in and the same datagram out of the measured process: the echo echoes one per
// round trip, the relay relays two, client->origin and origin->client) and the measured
// process's share of one core. Sending is paced every millisecond (no bursts of a whole tick).
// Usage: npm run bench:udp -- [sessions=50] [pps-per-session=200] [seconds=5] [steps=1]
//   steps > 1 multiplies the rate by 1.5 after each loss-free relayed step (at most 12 steps).
//   COMPARE_WITH=<another checkout> also runs that checkout's relay at each step, right after
//   this one's, for a before/after ratio under the same machine load; COMPARE_WITH=<file.ts>
//   runs that relay process instead (bench/udp-minimal-relay-process.ts: node:dgram's floor).
import { randomBytes } from 'node:crypto';
import { encodeStun, StunAttr, StunType } from '../dataplane/webrtc/stun.ts';
import { type Child, startProcess, waitFor } from '../test/helpers/processes.ts';
import { type UdpClient, udpClient } from '../test/helpers/udp.ts';
import { cpuSeconds, systemCpuSeconds, udpDropsByPort } from './proc-stats.ts';

const sessions = Math.min(2_000, Number(process.argv[2] ?? 50));
const startPps = Number(process.argv[3] ?? 200);
const seconds = Math.min(30, Number(process.argv[4] ?? 5));
const steps = Math.min(12, Number(process.argv[5] ?? 1));
const STEP_FACTOR = 1.5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startHelper(
  script: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
  cwd = process.cwd(),
): Promise<{ child: Child; port: number }> {
  const child = startProcess(process.execPath, [...nodeArgs, '--import', 'tsx', script], {
    env: { ...process.env, ...env },
    cwd,
  });
  const port = await waitFor(`${script} port`, async () => {
    const m = /PORT (\d+)/.exec(child.output());
    return m ? Number(m[1]) : undefined;
  });
  return { child, port };
}

interface Path {
  clients: UdpClient[];
  pid: number;
  /** The port the clients send to (the relay's public port, or the echo's). */
  target: number;
  received: number;
}

/** Clients connected to `target` (sends need no address lookup); with `handshake`, each opens a relay session. */
async function openPath(target: number, pid: number, handshake: boolean): Promise<Path> {
  const clients: UdpClient[] = [];
  for (let i = 0; i < sessions; i++) clients.push(await udpClient());
  await Promise.all(clients.map((c) => new Promise<void>((r) => c.socket.connect(target, '127.0.0.1', r))));
  if (handshake) {
    for (const [i, c] of clients.entries()) {
      const request = encodeStun(
        {
          type: StunType.BindingRequest,
          transactionId: randomBytes(12),
          attributes: [{ type: StunAttr.Username, value: Buffer.from(`bench${i}:x`) }],
        },
        // The relay helper's sessions carry ICE password 'pw'.
        { password: 'pw', fingerprint: true },
      );
      c.socket.send(request);
    }
    await waitFor('every session answered', async () => clients.every((c) => c.messages.length > 0), 10_000);
  }
  const path: Path = { clients, pid, target, received: 0 };
  for (const c of clients) {
    c.socket.removeAllListeners('message');
    c.socket.on('message', () => {
      path.received++;
    });
  }
  return path;
}

interface Step {
  offered: number;
  delivered: number;
  loss: number;
  usPerHop: number;
  core: number;
  /** Share of the measured process's CPU spent in the kernel (the syscalls and loopback delivery). */
  kernel: number;
  benchCore: number;
  /** Datagrams dropped for a full receive buffer during the step: where (see dropsWhere). */
  drops: string;
}

/** Offers `rate` datagrams/s in total, paced every ms round-robin over the clients. */
async function runStep(path: Path, rate: number, relayed: boolean): Promise<Step> {
  const payload = randomBytes(1200);
  path.received = 0;
  let sent = 0;
  let next = 0;
  const cpu0 = cpuSeconds(path.pid);
  const sys0 = systemCpuSeconds(path.pid);
  const drops0 = udpDropsByPort();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  const timer = setInterval(() => {
    const owed = Math.floor((rate * (performance.now() - t0)) / 1000) - sent;
    for (let k = 0; k < owed; k++) {
      (path.clients[next] as UdpClient).socket.send(payload);
      next = (next + 1) % path.clients.length;
    }
    sent += Math.max(0, owed);
  }, 1);
  await sleep(seconds * 1000);
  clearInterval(timer);
  const sendSeconds = (performance.now() - t0) / 1000;
  await sleep(300);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(path.pid) - cpu0;
  const own = process.cpuUsage(own0);
  // A relayed datagram is two hops through the relay (there and back); an echoed one is one.
  const hops = relayed ? sent + path.received : path.received;
  return {
    offered: sent / sendSeconds,
    delivered: path.received / sendSeconds,
    loss: Math.max(0, 1 - path.received / sent),
    usPerHop: (cpu * 1e6) / hops,
    core: cpu / elapsed,
    kernel: (systemCpuSeconds(path.pid) - sys0) / cpu,
    benchCore: (own.user + own.system) / 1e6 / elapsed,
    drops: dropsWhere(path, drops0, udpDropsByPort()),
  };
}

/** Receive-buffer drops during a step at the target, the echo, the clients and any other socket (the relay's origin side). */
function dropsWhere(path: Path, before: Map<number, number>, after: Map<number, number>): string {
  const at = { target: 0, echo: 0, clients: 0, other: 0 };
  const clientPorts = new Set(path.clients.map((c) => c.port));
  for (const [port, n] of after) {
    const d = n - (before.get(port) ?? 0);
    if (d <= 0) continue;
    if (port === path.target) at.target += d;
    else if (port === echoPort) at.echo += d;
    else if (clientPorts.has(port)) at.clients += d;
    else at.other += d;
  }
  return `${at.target} / ${at.echo} / ${at.clients} / ${at.other}`;
}

const pct = (x: number) => `${(x * 100).toFixed(x > 0 && x < 0.001 ? 3 : 1)} %`;

const echo = await startHelper('bench/udp-echo-process.ts');
const echoPort = echo.port;
// RELAY_CPU_PROF=<dir>: the relay process writes a V8 CPU profile there when it ends.
const profile = process.env.RELAY_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.RELAY_CPU_PROF}`] : [];
const relay = await startHelper('bench/udp-relay-process.ts', { ECHO_PORT: String(echo.port) }, profile);
const compare = process.env.COMPARE_WITH;
const other = compare
  ? compare.endsWith('.ts')
    ? await startHelper(compare, { ECHO_PORT: String(echo.port) })
    : await startHelper('bench/udp-relay-process.ts', { ECHO_PORT: String(echo.port) }, [], compare)
  : undefined;
try {
  const direct = await openPath(echo.port, echo.child.proc.pid as number, false);
  const relays: [string, Path][] = [['this', await openPath(relay.port, relay.child.proc.pid as number, true)]];
  if (other) relays.push(['other', await openPath(other.port, other.child.proc.pid as number, true)]);
  console.log(`\nUDP relay benchmark: ${sessions} sessions, 1200 B datagrams, ${seconds} s per step\n`);
  console.log(
    '| relay | sessions | offered pps | delivered pps | loss | relay CPU µs/hop | relay % core | relay in kernel | echo µs/hop (direct) | echo % core | bench % core | drops: target / echo / clients / other |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  let rate = startPps * sessions;
  let best: Step | undefined;
  for (let i = 0; i < steps; i++) {
    const d = await runStep(direct, rate, false);
    let lossy = false;
    for (const [name, path] of relays) {
      const r = await runStep(path, rate, true);
      console.log(
        `| ${name} | ${sessions} | ${r.offered.toFixed(0)} | ${r.delivered.toFixed(0)} | ${pct(r.loss)} | ${r.usPerHop.toFixed(2)} | ${pct(r.core)} | ${pct(r.kernel)} | ${d.usPerHop.toFixed(2)} | ${pct(d.core)} | ${pct(r.benchCore)} | ${r.drops} |`,
      );
      if (name === 'this') {
        lossy = r.loss > 0;
        if (!lossy) best = r;
      }
    }
    if (lossy) break;
    rate = Math.round(rate * STEP_FACTOR);
  }
  if (best) {
    // Hops per second the relay handled per whole core, at the highest loss-free step.
    const perCore = (best.delivered * 2) / best.core;
    console.log(
      `\nhighest loss-free offered rate: ${best.offered.toFixed(0)} pps (relay ${pct(best.core)} of a core); ` +
        `relay capacity ≈ ${(perCore / 1000).toFixed(0)} k datagram hops/s per core (${(perCore / 2 / 1000).toFixed(0)} k round trips/s)`,
    );
  }
  for (const c of [direct, ...relays.map(([, p]) => p)].flatMap((p) => p.clients)) await c.close();
} finally {
  await other?.child.stop();
  await relay.child.stop();
  await echo.child.stop();
}
