// WebRTC UDP relay benchmark: N sessions x M packets/s of 1200-byte datagrams against a UDP echo
// backend, first direct, then through Switchyard's relay. Prints packets/s delivered, loss, and
// CPU seconds per million packets (echo process for direct; relay process for relayed).
// Usage: npm run bench:udp -- [sessions=50] [pps-per-session=200] [seconds=10]
import { randomBytes } from 'node:crypto';
import { encodeStun, StunAttr, StunType } from '../dataplane/webrtc/stun.ts';
import { type Child, startProcess, waitFor } from '../test/helpers/processes.ts';
import { type UdpClient, udpClient } from '../test/helpers/udp.ts';
import { cpuSeconds } from './proc-stats.ts';

const sessions = Number(process.argv[2] ?? 50);
const pps = Number(process.argv[3] ?? 200);
const seconds = Number(process.argv[4] ?? 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startHelper(script: string, env: Record<string, string> = {}): Promise<{ child: Child; port: number }> {
  const child = startProcess(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env } });
  const port = await waitFor(`${script} port`, async () => {
    const m = /PORT (\d+)/.exec(child.output());
    return m ? Number(m[1]) : undefined;
  });
  return { child, port };
}

async function run(label: string, target: number, measuredPid: number, handshake: boolean) {
  const clients: UdpClient[] = [];
  for (let i = 0; i < sessions; i++) clients.push(await udpClient());
  if (handshake) {
    for (const [i, c] of clients.entries()) {
      const username = Buffer.from(`bench${i}:x`);
      c.send(
        encodeStun(
          {
            type: StunType.BindingRequest,
            transactionId: randomBytes(12),
            attributes: [{ type: StunAttr.Username, value: username }],
          },
          // The relay helper's sessions carry ICE password 'pw'.
          { password: 'pw', fingerprint: true },
        ),
        target,
      );
    }
    await waitFor('every session answered', async () => clients.every((c) => c.messages.length > 0), 10_000);
  }
  let received = 0;
  for (const c of clients) {
    c.messages.length = 0;
    c.socket.removeAllListeners('message');
    c.socket.on('message', () => {
      received++;
    });
  }
  const payload = randomBytes(1200);
  const perTick = Math.max(1, Math.round(pps / 100));
  let sent = 0;
  const cpu0 = cpuSeconds(measuredPid);
  const t0 = Date.now();
  const timer = setInterval(() => {
    for (const c of clients) for (let k = 0; k < perTick; k++) c.socket.send(payload, target, '127.0.0.1');
    sent += clients.length * perTick;
  }, 10);
  await sleep(seconds * 1000);
  clearInterval(timer);
  await sleep(500);
  const elapsed = (Date.now() - t0) / 1000;
  const cpu = cpuSeconds(measuredPid) - cpu0;
  for (const c of clients) await c.close();
  // Relayed packets cross the relay twice (client->origin, origin->client).
  const packetsThroughMeasured = handshake ? sent + received : sent + received;
  return {
    label,
    pps: received / elapsed,
    loss: 1 - received / sent,
    cpuPerMillion: cpu / (packetsThroughMeasured / 1e6),
  };
}

const echo = await startHelper('bench/udp-echo-process.ts');
const relay = await startHelper('bench/udp-relay-process.ts', { ECHO_PORT: String(echo.port) });
try {
  const direct = await run('direct to echo (echo cpu)', echo.port, echo.child.proc.pid as number, false);
  const relayed = await run('through relay (relay cpu)', relay.port, relay.child.proc.pid as number, true);
  console.log(`\nUDP relay benchmark: ${sessions} sessions x ${pps} pps x 1200 B, ${seconds} s each\n`);
  console.log('| path | echoed packets/s | loss | CPU s per million packets handled |');
  console.log('|---|---|---|---|');
  for (const r of [direct, relayed]) {
    console.log(
      `| ${r.label} | ${r.pps.toFixed(0)} | ${(r.loss * 100).toFixed(2)} % | ${r.cpuPerMillion.toFixed(2)} |`,
    );
  }
} finally {
  await relay.child.stop();
  await echo.child.stop();
}
