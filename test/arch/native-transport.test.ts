import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scanImports } from './import-scanner.js';
import { resolveSpecifier } from './layer-rules.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIR = 'src/vault/gateway/native-tls';

// What the native transport may use of the gateway: message parsing and framing, the types of the
// exchange it carries, and the tables it hands the addon. Decisions, response plans and audit rows
// reach it only as the handlers it is given (AgentHandlers), so it cannot take a different path.
// Outside the gateway it needs only where the package keeps the addon.
const TRANSPORT_MAY_IMPORT = new Set([
  'src/vault/gateway/agent-exchange.ts',
  'src/vault/gateway/gateway-context.ts',
  'src/vault/gateway/message-head.ts',
  'src/vault/gateway/node-headers.ts',
  'src/vault/gateway/request-parser.ts',
  'src/vault/gateway/request-refusal.ts',
  'src/vault/gateway/upstream-socket.ts',
  'src/vault/gateway/wire-tables.ts',
  'src/vault/ca/leaf-cache.ts',
  'src/common/package-layout.ts',
]);

describe('src/vault/gateway/native-tls holds transport only', () => {
  it('imports no decision, response plan or audit module of the gateway', async () => {
    const files = (await readdir(join(ROOT, DIR))).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(5);
    const reached: string[] = [];
    for (const file of files) {
      const from = `${DIR}/${file}`;
      for (const ref of scanImports(await readFile(join(ROOT, from), 'utf8'))) {
        const target = resolveSpecifier(from, ref.specifier);
        if (target?.startsWith('src/') && !target.startsWith(`${DIR}/`) && !TRANSPORT_MAY_IMPORT.has(target)) reached.push(`${from} → ${target}`);
      }
    }
    expect(reached).toEqual([]);
  });
});
