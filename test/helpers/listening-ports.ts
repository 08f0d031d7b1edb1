// The ports a process listens on, read from Linux's /proc (no ss/netstat needed): its socket
// inodes from /proc/PID/fd, matched against the kernel's socket tables.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ListeningPorts {
  tcp: number[];
  udp: number[];
}

// Socket states in /proc/net/*: a listening TCP socket, an unconnected (receiving) UDP socket.
const TCP_LISTEN = '0A';
const UDP_UNCONNECTED = '07';

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1] as string);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** Local ports of `table`'s rows owned by `inodes` in `state`. */
function portsIn(table: string, inodes: Set<string>, state: string): number[] {
  let text: string;
  try {
    text = readFileSync(`/proc/net/${table}`, 'utf8');
  } catch {
    return []; // no IPv6 on this machine
  }
  const ports: number[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 10) continue;
    const [local, rowState, inode] = [cols[1] as string, cols[3], cols[9] as string];
    if (!inodes.has(inode) || rowState !== state) continue;
    ports.push(Number.parseInt(local.split(':')[1] as string, 16));
  }
  return ports;
}

export function listeningPorts(pid: number): ListeningPorts {
  const inodes = socketInodes(pid);
  const sorted = (ports: number[]) => [...new Set(ports)].sort((a, b) => a - b);
  return {
    tcp: sorted([...portsIn('tcp', inodes, TCP_LISTEN), ...portsIn('tcp6', inodes, TCP_LISTEN)]),
    udp: sorted([...portsIn('udp', inodes, UDP_UNCONNECTED), ...portsIn('udp6', inodes, UDP_UNCONNECTED)]),
  };
}
