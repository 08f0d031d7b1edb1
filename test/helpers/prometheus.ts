// Reading /metrics in tests: Prometheus's own parser and linter (Debian's promtool, `check
// metrics` reads the exposition on stdin) judges the format; sampleValue reads one sample.
import { spawn } from 'node:child_process';

/** promtool's verdict: exit code 0 and no output means the text parsed and passed its lint. */
export function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

/** Label pairs of one sample line, e.g. `{protocol="rtmp",reason="client_gone"}`. */
function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
    labels[m[1] as string] = (m[2] as string).replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
  }
  return labels;
}

/** Every sample of `name` whose labels include `labels`, summed (0 when none). */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = parseLabels(m[2] ?? '');
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total += Number(m[3]);
  }
  return total;
}
