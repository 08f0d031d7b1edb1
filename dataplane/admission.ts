// Admission of sessions that are not relaying yet (TCP accepted, handshake, commands or request
// headers, routing): a limit for all sources together and one per source address, so a flood of
// half-open sessions cannot take the node's memory and one address cannot take every slot.
// Pure logic, no sockets: a listener calls admit() when a connection (or, for SRT, a handshake
// keyed by source IP) arrives and release() once the session relays or ends.

export interface AdmissionLimits {
  /** Sessions not relaying yet, all sources together; 0 = no limit. */
  maxPending: number;
  /** Of those, from one source (an IPv4 address, or an IPv6 /64); 0 = no limit. */
  maxPendingPerSource: number;
}

export interface Admitted {
  ok: true;
  /** The source the session counts against (see sourceKey). */
  source: string;
  /** Leaves the pending count; idempotent. */
  release: () => void;
}

export interface Refused {
  ok: false;
  source: string;
  /** The limit reached: all sources together, or this source's. */
  limit: 'global' | 'source';
  /** For the log line. */
  reason: string;
}

export class Admission {
  private total = 0;
  private readonly bySource = new Map<string, number>();

  constructor(private readonly limits: AdmissionLimits) {}

  /** Sessions pending now, all sources. */
  get pending(): number {
    return this.total;
  }

  /** Sessions pending now from the source of `address`. */
  pendingFrom(address: string | undefined): number {
    return this.bySource.get(sourceKey(address)) ?? 0;
  }

  admit(address: string | undefined): Admitted | Refused {
    const source = sourceKey(address);
    const { maxPending, maxPendingPerSource } = this.limits;
    if (maxPending > 0 && this.total >= maxPending) {
      return { ok: false, source, limit: 'global', reason: `${maxPending} sessions pending on this node (limit)` };
    }
    const fromSource = this.bySource.get(source) ?? 0;
    if (maxPendingPerSource > 0 && fromSource >= maxPendingPerSource) {
      return {
        ok: false,
        source,
        limit: 'source',
        reason: `${maxPendingPerSource} sessions pending from ${source} (limit)`,
      };
    }
    this.total++;
    this.bySource.set(source, fromSource + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.bySource.get(source) ?? 1) - 1;
      if (left > 0) this.bySource.set(source, left);
      else this.bySource.delete(source);
    };
    return { ok: true, source, release };
  }
}

/**
 * The key a peer address counts under: IPv4 as is (also when IPv4-mapped, `::ffff:a.b.c.d`),
 * IPv6 by its /64, since one host usually holds a whole /64.
 */
export function sourceKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const bare = address.replace(/%.*$/, '').toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped) return mapped[1] as string;
  if (!bare.includes(':')) return bare;
  const groups = ipv6Groups(bare);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : bare;
}

/** The eight 16-bit groups of an IPv6 address as hex without leading zeros; undefined if malformed. */
function ipv6Groups(address: string): string[] | undefined {
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined): string[] | undefined => {
    if (!part) return [];
    const out: string[] = [];
    for (const group of part.split(':')) {
      if (/^\d+\.\d+\.\d+\.\d+$/.test(group)) {
        const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
        out.push(((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
      } else if (/^[0-9a-f]{1,4}$/.test(group)) {
        out.push(Number.parseInt(group, 16).toString(16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  return [...head, ...Array<string>(missing).fill('0'), ...tail];
}

/**
 * Lets one log line through per window and counts the events held back, so a flood of refusals
 * logs once per window with how many were not logged since the last line.
 */
export class LogThrottle {
  private windowStart = Number.NEGATIVE_INFINITY;
  private held = 0;

  constructor(private readonly windowMs = 10_000) {}

  /** Undefined when this event is not to be logged; else how many were held back before it. */
  take(now = Date.now()): number | undefined {
    if (now - this.windowStart < this.windowMs) {
      this.held++;
      return undefined;
    }
    this.windowStart = now;
    const held = this.held;
    this.held = 0;
    return held;
  }
}

/** A listener's refusal log: one line per window for each limit, with the count held back. */
export function refusalLogger(log: (refused: Refused, notLogged: number) => void, windowMs = 10_000) {
  const throttles = { global: new LogThrottle(windowMs), source: new LogThrottle(windowMs) };
  return (refused: Refused): void => {
    const held = throttles[refused.limit].take();
    if (held !== undefined) log(refused, held);
  };
}
