import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findPackageRoot, PACKAGE_LAYOUT } from './package-layout.js';

const ROOT = findPackageRoot();
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

describe('the one path to the CLI', () => {
  it('is what package.json runs for every bin name', () => {
    const bin = (JSON.parse(read('package.json')) as { bin: Record<string, string> }).bin;
    expect(Object.keys(bin).length).toBeGreaterThan(0);
    for (const target of Object.values(bin)) expect(target).toBe(PACKAGE_LAYOUT.cliEntry);
  });

  it('is what ./ncl and setup.sh run, and neither runs tsc output directly', () => {
    for (const script of ['ncl', 'setup.sh']) {
      const text = read(script);
      expect(text, script).toContain(`/${PACKAGE_LAYOUT.cliEntry}"`);
      expect(text, script).not.toContain(PACKAGE_LAYOUT.compiledEntry);
    }
  });

  it('is written by the build: the bundle step follows tsc', () => {
    const build = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.build ?? '';
    expect(build.indexOf('tsc')).toBeGreaterThanOrEqual(0);
    expect(build.indexOf('scripts/bundle.mjs')).toBeGreaterThan(build.indexOf('tsc'));
  });
});

describe('findPackageRoot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncl-package-root-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('walks up past other packages to the one named nanoclaw', () => {
    const nested = join(dir, 'pkg', 'node_modules', 'other', 'dist', 'cli', 'chunks');
    mkdirSync(nested, { recursive: true });
    writeFileSync(join(dir, 'pkg', 'package.json'), JSON.stringify({ name: 'nanoclaw' }));
    writeFileSync(join(dir, 'pkg', 'node_modules', 'other', 'package.json'), JSON.stringify({ name: 'other' }));
    expect(findPackageRoot(nested)).toBe(join(dir, 'pkg'));
  });

  it('says what it looked for when there is no nanoclaw package above', () => {
    const lonely = join(dir, 'lonely');
    mkdirSync(lonely);
    expect(() => findPackageRoot(lonely)).toThrow(/Cannot find the nanoclaw package above/);
  });
});
