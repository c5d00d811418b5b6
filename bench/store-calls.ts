import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redactor } from '../src/common/redact.js';
import { RateLimiter } from '../src/vault/inject/rate-limiter.js';
import type { NewAuditEntry } from '../src/vault/model/records.js';
import { openStore } from '../src/vault/store/store.js';
import type { VaultStore } from '../src/vault/store/types.js';
import { summarize } from './stats.js';

/**
 * `node dist/bench/store-calls.js [postgres://…]`: what each store call on the gateway's path
 * costs the gateway's thread, on the SQLite file and (given a URL, or BENCH_DATABASE_URL) on
 * Postgres through the synchronous bridge. Microseconds per call: p50 and mean.
 */

const ROUNDS = 2_000;
const AUDIT_BATCH = 64;

function time(label: string, rounds: number, fn: (i: number) => void): string {
  for (let i = 0; i < Math.min(200, rounds); i++) fn(i); // warm-up: statements prepared, JIT settled
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    fn(i);
    samples.push((performance.now() - t) * 1000);
  }
  const s = summarize(samples);
  return `${label.padEnd(34)} p50 ${s.p50.toFixed(1).padStart(7)} µs   mean ${s.mean.toFixed(1).padStart(7)} µs`;
}

function run(name: string, store: VaultStore): void {
  const secrets = Array.from({ length: 20 }, (_, i) =>
    store.secrets.create({ name: `s${i}`, type: 'api_key', value: randomBytes(24).toString('hex'), hostPattern: `h${i}.test` }),
  );
  const { agent, token } = store.agents.create({ name: 'a', identifier: 'a' });
  store.agents.setSecretIds(agent.id, secrets.slice(0, 10).map((s) => s.id));
  store.rules.create({ action: 'rate_limit', hostPattern: '*.test', limit: 100, window: 'minute' });
  const row: NewAuditEntry = {
    agentId: agent.id, agentIdentifier: 'a', method: 'GET', host: 'h1.test', path: '/', secretName: 's1',
    decision: 'injected', status: 200, bytesIn: 10, bytesOut: 20, durationMs: 1.5, reason: null,
  };
  const batch = Array.from({ length: AUDIT_BATCH }, () => row);
  console.log(`\n${name}`);
  console.log(time('agents.findByToken (per CONNECT)', ROUNDS, () => store.agents.findByToken(token)));
  console.log(time('secrets.list (per CONNECT)', ROUNDS, () => store.secrets.list()));
  console.log(time('agents.grantedSecrets (1/s/host)', ROUNDS, () => store.agents.grantedSecrets(agent.id)));
  console.log(time('secrets.reveal (1/s/secret)', ROUNDS, (i) => store.secrets.reveal(secrets[i % 10]!.id)));
  console.log(time('rules.list (per request, cached)', ROUNDS, () => store.rules.list()));
  console.log(time('secrets.markUsed (1/30s/secret)', ROUNDS, (i) => store.secrets.markUsed(secrets[i % 10]!.id)));
  // A limit that never fills, so every call records a hit: the cost a request under a rate_limit rule pays.
  const counter = store.rateLimits ?? new RateLimiter();
  const limit = [{ key: `rule\0${agent.id}`, limit: 1_000_000, windowMs: 60_000 }];
  console.log(time(`rate limit hit (${store.rateLimits ? 'shared' : 'in memory'})`, ROUNDS, () => counter.tryHitAll(limit, Date.now())));
  console.log(time(`audit.appendMany, per row of ${AUDIT_BATCH}`, 50, () => store.audit.appendMany(batch)).replace(/([\d.]+) µs/g, (_, n: string) => `${(Number(n) / AUDIT_BATCH).toFixed(1).padStart(7)} µs`));
}

const dir = mkdtempSync(join(tmpdir(), 'ncl-bench-store-'));
try {
  const sqlite = openStore({ path: join(dir, 'vault.db'), masterKey: randomBytes(32), redactor: new Redactor() });
  run('SQLite', sqlite);
  sqlite.close();
  const url = process.argv[2] ?? process.env.BENCH_DATABASE_URL;
  if (url) {
    const pg = openStore({ path: '', databaseUrl: url, masterKey: randomBytes(32), redactor: new Redactor() });
    run('Postgres (bridge)', pg);
    pg.close();
  } else console.log('\nPostgres skipped: pass postgres://… or set BENCH_DATABASE_URL (an empty database)');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
