// A plain clone must run and pass on its own: no file may reach for the team's `shared/` folder
// that sits beside the checkout (fixtures there are not part of the product). Relative paths are
// resolved against the referring file's folder, so an import of shared/x.ts one level up from
// control/ (the repository's own shared/) is fine while three levels up from test/unit/ is not.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCANNED = ['test', 'docs', 'control', 'dataplane', 'shared', 'infra', 'bench', '.ci', 'README.md'];
/** `../shared`, `./../../shared`...: a run of relative steps ending in a folder named shared. */
const RELATIVE_SHARED = /(?<![\w.-])((?:\.{1,2}\/)+)shared(?![\w.-])/g;

interface Escape {
  file: string;
  line: number;
  reference: string;
}

function* filesUnder(path: string): Generator<string> {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return;
  if (stat.isFile()) {
    yield path;
    return;
  }
  if (!stat.isDirectory()) return;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist' || entry === '.wrangler') continue;
    yield* filesUnder(join(path, entry));
  }
}

const inside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
};

/** Every reference under `entries` (relative to `root`) to a shared/ folder outside `root`. */
export function findEscapes(root: string, entries: string[]): Escape[] {
  const besideCheckout = resolve(root, '..', 'shared');
  const found: Escape[] = [];
  for (const entry of entries) {
    for (const file of filesUnder(join(root, entry))) {
      const bytes = readFileSync(file);
      if (bytes.includes(0)) continue; // binary
      const lines = bytes.toString('utf8').split('\n');
      lines.forEach((text, index) => {
        const report = (reference: string) => found.push({ file: relative(root, file), line: index + 1, reference });
        for (const m of text.matchAll(RELATIVE_SHARED)) {
          if (!inside(root, resolve(dirname(file), `${m[1]}shared`))) report(m[0]);
        }
        if (text.includes(besideCheckout)) report(besideCheckout);
      });
    }
  }
  return found;
}

describe('the repository stands on its own', () => {
  it('has no file that refers to a shared/ folder outside the repository', () => {
    const escapes = findEscapes(ROOT, SCANNED);
    assert.deepEqual(
      escapes.map((e) => `${e.file}:${e.line} ${e.reference}`),
      [],
      'copy what is needed into the repository (test/fixtures/srs/ for SRS captures)',
    );
  });

  it('catches planted references and lets in-repository ../shared imports pass', () => {
    const root = mkdtempSync(join(tmpdir(), 'sy-stands-alone-'));
    try {
      for (const dir of ['control/routes', 'test/unit', 'shared']) mkdirSync(join(root, dir), { recursive: true });
      const up = '../';
      writeFileSync(join(root, 'control/app.ts'), `import { x } from '${up}shared/x.ts';\n`);
      writeFileSync(join(root, 'control/routes/a.ts'), `import { x } from '${up}${up}shared/x.ts';\n`);
      writeFileSync(
        join(root, 'test/unit/planted.test.ts'),
        `const a = 1;\nreadFileSync(new URL('${up.repeat(3)}shared/fixtures/srs-heartbeat.json', import.meta.url));\n`,
      );
      writeFileSync(join(root, 'README.md'), `curl -d @${up}shared/fixtures/srs-heartbeat.json\n`);
      writeFileSync(join(root, 'test/unit/absolute.ts'), `const kit = '${resolve(root, '..', 'shared')}/fixtures';\n`);
      const escapes = findEscapes(root, ['control', 'test', 'README.md']);
      assert.deepEqual(escapes.map((e) => `${e.file}:${e.line}`).sort(), [
        'README.md:1',
        'test/unit/absolute.ts:1',
        'test/unit/planted.test.ts:2',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
