// Short, unique-per-process session ids for log lines (`cid`).
let counter = 0;
const processTag = Math.floor(Math.random() * 36 ** 4)
  .toString(36)
  .padStart(4, '0');

export function nextSessionId(proto: string): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${proto}-${processTag}-${counter.toString(36)}`;
}
