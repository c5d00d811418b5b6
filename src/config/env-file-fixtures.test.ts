import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeText, type EnvNode } from './env-document.js';
import { parseEnvFile, removeEnvKeys, serializeEnvFile, setEnvValue } from './env-file.js';

// Each `<name>.env` in test/fixtures/env has two golden outputs, compared byte for byte:
// `<name>.set-onecli-api-key.golden` (ONECLI_API_KEY set) and `<name>.remove-keys.golden`
// (ANTHROPIC_API_KEY and GITHUB_TOKEN removed).
const DIR = fileURLToPath(new URL('../../test/fixtures/env/', import.meta.url));
const NEW_KEY = `oc_${'0123456789abcdef'.repeat(4)}`;
const REMOVED = ['ANTHROPIC_API_KEY', 'GITHUB_TOKEN'];
const names = readdirSync(DIR)
  .filter((f) => f.endsWith('.env'))
  .map((f) => f.slice(0, -'.env'.length));

const read = (file: string) => readFileSync(DIR + file, 'utf8');
const lines = (text: string) => text.split(/(?<=\n)/).filter((l) => l !== '');

/** The lines of `text`, except those of the assignments `skip` picks, in order. */
function linesExcept(text: string, skip: (node: EnvNode, index: number, all: EnvNode[]) => boolean): string[] {
  return parseEnvFile(text)
    .nodes.filter((n, i, all) => !skip(n, i, all))
    .flatMap((n) => lines(nodeText(n)));
}

const isLastAssignmentOf = (key: string) => (n: EnvNode, i: number, all: EnvNode[]) =>
  n.kind === 'entry' && n.key === key && all.findLastIndex((m) => m.kind === 'entry' && m.key === key) === i;

describe('.env fixtures', () => {
  it('cover CRLF, a missing final newline, duplicates, multi-line values, export, comments', () => {
    const all = names.map((n) => read(`${n}.env`));
    expect(all.some((t) => t.includes('\r\n'))).toBe(true);
    expect(all.some((t) => !t.endsWith('\n'))).toBe(true);
    expect(all.some((t) => /^\s*export /m.test(t))).toBe(true);
    expect(all.some((t) => parseEnvFile(t).entries().length > parseEnvFile(t).keys().length)).toBe(true);
    expect(all.some((t) => parseEnvFile(t).entries().some((e) => e.value.includes('\n')))).toBe(true);
    expect(all.some((t) => parseEnvFile(t).warnings.length > 0)).toBe(true);
  });

  for (const name of names) {
    describe(name, () => {
      const input = read(`${name}.env`);

      it('round-trips byte for byte', () => {
        expect(serializeEnvFile(parseEnvFile(input))).toBe(input);
      });

      it('sets ONECLI_API_KEY as the golden file says, and changes nothing else', () => {
        const doc = parseEnvFile(input);
        setEnvValue(doc, 'ONECLI_API_KEY', NEW_KEY);
        const out = serializeEnvFile(doc);
        expect(out).toBe(read(`${name}.set-onecli-api-key.golden`));
        const after = parseEnvFile(out);
        expect(after.get('ONECLI_API_KEY')).toBe(NEW_KEY);
        const before = parseEnvFile(input);
        for (const key of before.keys().filter((k) => k !== 'ONECLI_API_KEY')) expect(after.get(key)).toBe(before.get(key));
        // Every line outside ONECLI_API_KEY's last assignment is still there, byte for byte and in
        // order; only the input's last line may gain the line ending it lacked.
        const kept = linesExcept(input, isLastAssignmentOf('ONECLI_API_KEY'));
        const outLines = lines(out);
        const lastLine = input.endsWith('\n') ? null : kept.at(-1);
        let j = 0;
        for (const line of kept) {
          const same = (l: string | undefined) => l === line || (line === lastLine && l?.replace(/\r?\n$/, '') === line);
          while (j < outLines.length && !same(outLines[j])) j++;
          expect(j, `line ${JSON.stringify(line)} is kept`).toBeLessThan(outLines.length);
          j++;
        }
        expect(outLines.length - kept.length).toBeLessThanOrEqual(1);
      });

      it('removes ANTHROPIC_API_KEY and GITHUB_TOKEN as the golden file says, and nothing else', () => {
        const doc = parseEnvFile(input);
        removeEnvKeys(doc, REMOVED);
        const out = serializeEnvFile(doc);
        expect(out).toBe(read(`${name}.remove-keys.golden`));
        expect(lines(out)).toEqual(linesExcept(input, (n) => n.kind === 'entry' && REMOVED.includes(n.key)));
        const after = parseEnvFile(out);
        for (const key of REMOVED) expect(after.get(key)).toBeUndefined();
        const before = parseEnvFile(input);
        for (const key of before.keys().filter((k) => !REMOVED.includes(k))) expect(after.get(key)).toBe(before.get(key));
      });
    });
  }
});
