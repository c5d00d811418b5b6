import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scanImports } from './import-scanner.js';
import { resolveSpecifier } from './layer-rules.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Each strongly connected group of more than one module (Tarjan), i.e. every import cycle. Pure. */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop()) {
      onStack.delete(w);
      group.push(w);
    }
    if (group.length > 1) cycles.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

// The vault's request paths (Node TLS, native TLS, the fast lane) consume one decision; a module
// that imports a module importing it back is how two paths start deciding for each other.
describe('import cycles in src/vault', () => {
  it('finds the cycles it is given', () => {
    const graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    expect(importCycles(graph)).toEqual([['a', 'b', 'c']]);
  });

  it('has none', async () => {
    const dir = join(ROOT, 'src/vault');
    const entries = await readdir(dir, { withFileTypes: true, recursive: true });
    const files = entries
      .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts'))
      .map((e) => relative(ROOT, join(e.parentPath, e.name)).split(sep).join('/'));
    const graph = new Map<string, string[]>();
    for (const file of files) {
      const source = await readFile(join(ROOT, file), 'utf8');
      graph.set(file, scanImports(source).flatMap((ref) => resolveSpecifier(file, ref.specifier) ?? []));
    }
    expect(graph.size).toBeGreaterThan(50);
    expect(importCycles(graph)).toEqual([]);
  });
});
