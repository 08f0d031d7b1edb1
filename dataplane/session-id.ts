// Short session ids for log lines (`cid`), and for the operator's sessions view and kick: unique
// per process (a random tag per process start), and across a cluster's processes (a worker's tag
// ends in `w<worker id>`, the primary's has none), so a kick goes to the process that owns it.
let counter = 0;
const randomTag = Math.floor(Math.random() * 36 ** 4)
  .toString(36)
  .padStart(4, '0');
let processTag = randomTag;

/** Called once by a cluster's worker before it accepts sessions. */
export function tagSessionIdsWithWorker(workerId: number): void {
  processTag = `${randomTag}w${workerId}`;
}

export function nextSessionId(proto: string): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${proto}-${processTag}-${counter.toString(36)}`;
}

/** The worker whose session this id names, or undefined for the primary's (or a foreign id). */
export function sessionIdWorker(id: string): number | undefined {
  const match = /^[a-z]+-[0-9a-z]{4}w([0-9]{1,6})-[0-9a-z]+$/.exec(id);
  return match ? Number(match[1]) : undefined;
}
