import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scanImports } from './import-scanner.js';
import { checkEdges, resolveSpecifier, type ImportEdge } from './layer-rules.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.(m|c)?tsx?$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

describe('layer order of src/ (DESIGN.md)', () => {
  it('has no import that breaks the layer order', async () => {
    const files = await sourceFiles(join(ROOT, 'src'));
    const edges: ImportEdge[] = [];
    for (const file of files) {
      const source = await readFile(join(ROOT, file), 'utf8');
      for (const ref of scanImports(source)) edges.push({ from: file, specifier: ref.specifier, line: ref.line });
    }
    // Guards against a scanner that silently finds nothing: src/ has internal imports.
    expect(files.length).toBeGreaterThan(0);
    expect(edges.some((e) => resolveSpecifier(e.from, e.specifier)?.startsWith('src/'))).toBe(true);
    const report = checkEdges(edges).map((v) => `${v.from}:${v.line} [${v.rule}] ${v.message}`);
    expect(report).toEqual([]);
  });
});
