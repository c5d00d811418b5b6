import { spawn } from 'node:child_process';

// Each writer is a separate Node process running the store's TypeScript through Node's own
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

export interface Writer {
  ready: Promise<void>;
  go(): void;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/**
 * A separate Node process that opens the store at `job.path` / `job.databaseUrl` (so it migrates
 * it if it is new), prints `ready`, and on `go()` writes `job.count` secrets, grants and audit rows.
 */
export function startWriter(job: Record<string, unknown>): Writer {
  const modules = {
    storeModule: new URL('../../src/vault/store/store.ts', import.meta.url).href,
    redactModule: new URL('../../src/common/redact.ts', import.meta.url).href,
  };
  const env: NodeJS.ProcessEnv = { ...process.env, JOB: JSON.stringify({ ...modules, ...job }) };
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
