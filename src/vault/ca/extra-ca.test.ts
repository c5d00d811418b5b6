import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCa } from './ca.js';
import { caBundleProblem, loadExtraCaFiles } from './extra-ca.js';

const dir = mkdtempSync(join(tmpdir(), 'ncl-extra-ca-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const good = createCa({ commonName: 'test upstream CA' }).certPem;

describe('extra CA files (NANOCLAW_EXTRA_CA_CERTS)', () => {
  it('accepts a bundle of valid certificates', async () => {
    expect(caBundleProblem(good + good)).toBeNull();
    writeFileSync(join(dir, 'ok.pem'), good);
    expect(await loadExtraCaFiles([join(dir, 'ok.pem')])).toEqual([good]);
  });

  it('says what is wrong with a file that is not a certificate bundle', () => {
    expect(caBundleProblem('hello')).toMatch(/no PEM certificate/);
    const broken = good.replace(/(-----BEGIN CERTIFICATE-----\n)(.{10})/, '$1AAAAAAAAAA');
    expect(caBundleProblem(good + broken)).toBe('certificate 2 of 2 is not a valid X.509 certificate');
  });

  it.each([
    ['missing', join(dir, 'nope.pem'), 'does not exist'],
    ['directory as a', dir, 'is a directory, not a PEM file'],
  ])('a %s file fails with bad_extra_ca naming the setting and the file', async (_what, file, problem) => {
    const err = await loadExtraCaFiles([file], 'NANOCLAW_EXTRA_CA_CERTS').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'bad_extra_ca', message: `NANOCLAW_EXTRA_CA_CERTS names ${file}, which ${problem}` });
    expect((err as { hint: string }).hint).toContain('Fix NANOCLAW_EXTRA_CA_CERTS');
  });
});
