import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { STORE_BACKENDS, storeHarness } from '../../../test/support/store-backends.js';
import { Redactor } from '../../common/redact.js';
import { openStore } from './store.js';
import type { VaultStore } from './types.js';

// Each writer is a separate Node process running this module's TypeScript through Node's own
// type stripping; the hook maps the `.js` import suffixes to the `.ts` files beside them.
const WRITER = `
import { registerHooks } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
registerHooks({ resolve(spec, ctx, next) {
  if (spec.startsWith('.') && spec.endsWith('.js') && ctx.parentURL?.startsWith('file:')
      && !existsSync(fileURLToPath(new URL(spec, ctx.parentURL)))) return next(spec.slice(0, -3) + '.ts', ctx);
  return next(spec, ctx);
} });
const job = JSON.parse(process.env.JOB);
const { openStore } = await import(job.storeModule);
const { Redactor } = await import(job.redactModule);
const store = openStore({ path: job.path, databaseUrl: job.databaseUrl, masterKey: Buffer.from(job.key, 'hex'), redactor: new Redactor() });
process.stdout.write('ready\\n');
await new Promise((go) => process.stdin.once('data', go));
const mine = [];
for (let i = 0; i < job.count; i++) {
  const name = job.prefix + '-' + i;
  mine.push(store.secrets.create({ name, type: 'api_key', value: job.valuePrefix + name, hostPattern: job.prefix + '.test' }).id);
  store.agents.setSecretIds(job.ownAgent, mine);
  store.agents.setSecretIds(job.sharedAgent, mine);
  store.audit.append({ agentId: job.ownAgent, agentIdentifier: job.prefix, method: 'GET', host: 'x.test', path: '/', secretName: name,
    decision: 'injected', status: 200, bytesIn: 0, bytesOut: 0, durationMs: 0, reason: null });
}
store.close();
process.stdout.write(JSON.stringify({ ids: mine }) + '\\n');
process.exit(0);
`;

interface Writer {
  ready: Promise<void>;
  go(): void;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function startWriter(job: Record<string, unknown>): Writer {
  const env: NodeJS.ProcessEnv = { ...process.env, JOB: JSON.stringify(job) };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', WRITER], { env });
  let stdout = '';
  let stderr = '';
  let onReady = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes('ready\n')) onReady();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => {
      onReady();
      resolve({ code, stdout, stderr });
    }),
  );
  return { ready, go: () => child.stdin.end('go\n'), done };
}

describe.each(STORE_BACKENDS)('concurrent writers, %s store', (backend) => {
  const harness = storeHarness(backend);
  it('loses nothing and never surfaces SQLITE_BUSY: 4 processes and 2 in-process connections, 100 creates', async () => {
    const { path, databaseUrl } = harness.location;
    const key = randomBytes(32);
    const valuePrefix = `conc-${randomBytes(6).toString('hex')}-`;
    const open = () => openStore({ path, databaseUrl, masterKey: key, redactor: new Redactor() });
    const main = open();
    const second = open();
    const shared = main.agents.create({ name: 'Shared', identifier: 'shared' }).agent.id;
    const local = main.agents.create({ name: 'Local', identifier: 'local' }).agent.id;
    const prefixes = ['w0', 'w1', 'w2', 'w3'];
    const own = prefixes.map((p) => main.agents.create({ name: p, identifier: p }).agent.id);

    const writers = prefixes.map((prefix, i) =>
      startWriter({
        storeModule: new URL('./store.ts', import.meta.url).href,
        redactModule: new URL('../../common/redact.ts', import.meta.url).href,
        path, databaseUrl, key: key.toString('hex'), prefix, valuePrefix, count: 20, ownAgent: own[i], sharedAgent: shared,
      }),
    );
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.go();

    // Meanwhile, 4 async tasks of this process write through two connections of their own.
    const localIds: string[] = [];
    const task = async (t: number, store: VaultStore) => {
      for (let i = 0; i < 5; i++) {
        await tick();
        const name = `local${t}-${i}`;
        localIds.push(store.secrets.create({ name, type: 'api_key', value: valuePrefix + name, hostPattern: 'local.test' }).id);
        store.agents.setSecretIds(local, [...localIds]);
      }
    };
    await Promise.all([task(0, main), task(1, second), task(2, main), task(3, second)]);
    const results = await Promise.all(writers.map((w) => w.done));

    for (const r of results) {
      expect(r.stderr).not.toMatch(/SQLITE_BUSY|database is locked/i);
      expect(r.code, r.stderr).toBe(0);
    }
    const childIds = results.map((r) => (JSON.parse(r.stdout.split('\n')[1]!) as { ids: string[] }).ids);
    const all = main.secrets.list();
    expect(all).toHaveLength(100);
    expect(new Set(all.map((s) => s.name)).size).toBe(100);
    for (const s of all) expect(second.secrets.reveal(s.id)).toBe(valuePrefix + s.name);
    own.forEach((agentId, i) => expect(main.agents.getSecretIds(agentId)).toEqual(childIds[i]));
    // Replacing grants is atomic: the shared agent holds exactly one writer's last set, never a mix.
    const sharedGrants = main.agents.getSecretIds(shared)!;
    expect(childIds.some((ids) => JSON.stringify(ids) === JSON.stringify(sharedGrants))).toBe(true);
    expect(new Set(main.agents.getSecretIds(local))).toEqual(new Set(localIds));
    expect(main.audit.list({ limit: 1, offset: 0 }).total).toBe(80);
    // Every writer chained its rows to the one before, whoever wrote it: one chain, not forks.
    expect(main.audit.verify()).toMatchObject({ ok: true, checked: 80 });
    main.close();
    second.close();
  }, 60_000);
});
