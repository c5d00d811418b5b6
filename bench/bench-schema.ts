import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface BenchSchema {
  /** The database URL with the new schema as its search path: an empty vault. */
  url: string;
  drop(): Promise<void>;
}

async function run(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new schema in the database at BENCH_DATABASE_URL, for one run's store; dropped after. */
export async function createBenchSchema(databaseUrl: string): Promise<BenchSchema> {
  const name = `nanoclaw_bench_${randomBytes(6).toString('hex')}`;
  await run(databaseUrl, `CREATE SCHEMA ${name}`);
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${name}`);
  return { url: url.toString(), drop: () => run(databaseUrl, `DROP SCHEMA ${name} CASCADE`) };
}
