// The import picture: control/ and dataplane/ never import each other (nor process/, which wires
// them together); shared/ imports only shared/. Breaking it fails here, not in a later refactor.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const ALLOWED: Record<string, string[]> = {
  control: ['control', 'shared'],
  dataplane: ['dataplane', 'shared'],
  shared: ['shared'],
  process: ['process', 'control', 'dataplane', 'shared'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|mjs|js)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** Relative import specifiers of a file (static, dynamic and re-exports). */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) found.push(m[1] as string);
  return found;
}

/** The top-level folder an import lands in, or null when it leaves the repository. */
function topFolder(fromFile: string, specifier: string): string | null {
  const target = relative(ROOT, resolve(dirname(fromFile), specifier));
  if (target.startsWith('..')) return null;
  return target.split(/[\\/]/)[0] ?? null;
}

describe('import boundaries', () => {
  for (const [folder, allowed] of Object.entries(ALLOWED)) {
    it(`${folder}/ imports only ${allowed.join(', ')}`, () => {
      const violations: string[] = [];
      for (const file of sourceFiles(folder)) {
        for (const spec of relativeImports(file)) {
          const top = topFolder(file, spec);
          if (top === null || !allowed.includes(top)) violations.push(`${relative(ROOT, file)} -> ${spec}`);
        }
      }
      assert.deepEqual(violations, []);
    });
  }

  it('detects a forbidden import (the check is real)', () => {
    const fake = join(ROOT, 'dataplane', 'x.ts');
    assert.equal(topFolder(fake, '../control/app.ts'), 'control');
    assert.equal(topFolder(fake, '../../shared/fixtures/a.json'), null);
  });
});
