import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOC = 'docs/ARCHITECTURE.md';

async function sourceFolders(): Promise<string[]> {
  const entries = await readdir(join(ROOT, 'src'), { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => relative(ROOT, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

describe(`the map in ${DOC}`, () => {
  it('names every folder under src/', async () => {
    const doc = await readFile(join(ROOT, DOC), 'utf8');
    const folders = await sourceFolders();
    expect(folders).toContain('src/vault/gateway'); // the walk is recursive
    expect(folders.filter((f) => !doc.includes(`${f}/`))).toEqual([]);
  });

  it('is linked from the README, which points at nothing outside the repository', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`](${DOC})`);
    // The development checkout's notes live beside the repository, not in it.
    expect(readme).not.toMatch(/\.\.\/shared\/|\/work\//);
  });
});
