// A lightweight HTTP-FLV (or TS) player for load generation over node:net: one GET, then it
// counts the body's bytes. The first media byte is the first one after the response headers.
import { connect } from 'node:net';
import { type Player, PlayerStats } from './player-stats.ts';

const HEADER_END = Buffer.from('\r\n\r\n');

export function startHttpPlayer(port: number, path: string): Promise<Player> {
  const stats = new PlayerStats();
  const socket = connect(port, '127.0.0.1');
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    let inBody = false;
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.on('error', () => {});
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUser-Agent: sy-bench\r\n\r\n`);
    });
    socket.on('data', (d: Buffer) => {
      if (inBody) return stats.read(d.length);
      head = Buffer.concat([head, d]);
      const end = head.indexOf(HEADER_END);
      if (end < 0) return;
      if (!head.subarray(0, end).toString('latin1').startsWith('HTTP/1.1 200')) {
        socket.destroy();
        return reject(new Error(head.subarray(0, end).toString('latin1').split('\r\n')[0]));
      }
      inBody = true;
      if (head.length > end + 4) stats.read(head.length - end - 4);
      resolve({ stats, close: () => socket.destroy() });
    });
  });
}
