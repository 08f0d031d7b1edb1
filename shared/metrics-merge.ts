// Merges Prometheus text expositions of processes that together are one node (a cluster's primary
// and its workers, PROXY_WORKERS): families keep their first HELP/TYPE, samples with the same
// name and labels are added up (counters, histogram buckets/sums/counts, session gauges), except
// gauges that state a node-wide condition, which take the largest value.

/** Gauges that are a state (0/1 or a level) of the whole node, not a count to add up. */
const MAX_GAUGES = new Set(['switchyard_node_draining']);

interface Family {
  header: string[];
  samples: Map<string, number>;
}

function parseValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(n);
}

export function mergeExpositions(texts: readonly string[]): string {
  const families = new Map<string, Family>();
  for (const text of texts) {
    let current: Family | undefined;
    let currentName = '';
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (line.startsWith('#')) {
        const [, kind, name] = line.split(' ', 3);
        if ((kind !== 'HELP' && kind !== 'TYPE') || !name) continue;
        currentName = name;
        current = families.get(name);
        if (!current) {
          current = { header: [], samples: new Map() };
          families.set(name, current);
        }
        if (current.header.length < 2 && !current.header.some((h) => h.startsWith(`# ${kind} `)))
          current.header.push(line);
        continue;
      }
      const space = line.lastIndexOf(' ');
      const series = line.slice(0, space);
      const value = parseValue(line.slice(space + 1));
      if (!current) continue; // a sample outside any family: not written by our registry
      const before = current.samples.get(series);
      if (before === undefined) current.samples.set(series, value);
      else current.samples.set(series, MAX_GAUGES.has(currentName) ? Math.max(before, value) : before + value);
    }
  }
  let out = '';
  for (const family of families.values()) {
    out += `${family.header.join('\n')}\n`;
    for (const [series, value] of family.samples) out += `${series} ${formatValue(value)}\n`;
  }
  return out;
}
