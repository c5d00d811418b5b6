import { workerData } from 'node:worker_threads';
import pg from 'pg';
import type { ChainKey } from './audit-chain.js';
import type { BridgeReply, BridgeRequest, BridgeWorkerData } from './pg-bridge-protocol.js';
import type { PgAuditRow } from './pg-audit-append.js';

/**
 * The Postgres side of the store's synchronous bridge (pg-bridge.ts), run in a worker thread:
 * one connection runs the main thread's statements in the order they were sent, and a second one
 * LISTENs for other writers' changes and bumps a shared counter, so the main thread learns of
 * them without a query. Imports nothing of the project at run time but audit-chain, by the URL
 * it is given (to MAC the audit rows it appends): it runs as it is, from src (Node strips the
 * types) or from dist.
 */

// BIGINT columns are ids, counts and byte sizes, far below 2^53: numbers, as node:sqlite returns them.
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

function copyBytes(v: unknown): unknown {
  // A Buffer may be a view of a shared pool: copy the bytes alone before they cross threads.
  return v instanceof Uint8Array ? new Uint8Array(v) : v;
}

function toParam(v: unknown): unknown {
  return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v;
}

async function main({ url, port, events, state, channel, slots, anyTable, beginWrite, chainModule }: BridgeWorkerData): Promise<void> {
  const flags = new Int32Array(state);
  const send = (reply: BridgeReply) => {
    port.postMessage(reply);
    Atomics.store(flags, slots.replyReady, 1);
    Atomics.notify(flags, slots.replyReady);
  };
  let live: Live | null = null;
  let connectedBefore = false;
  // A transaction whose connection was lost: every statement fails until the caller's ROLLBACK.
  let transaction: 'none' | 'open' | 'lost' = 'none';
  const lateErrors: string[] = [];
  const connect = async (): Promise<Live> => {
    const next = await openConnections(url, channel, (table) => {
      Atomics.add(flags, slots.changes, 1);
      events.postMessage(table);
    });
    if (connectedBefore) {
      // Announcements sent while no one listened are lost: every cache and waiter re-reads.
      Atomics.add(flags, slots.changes, 1);
      events.postMessage(anyTable);
    }
    connectedBefore = true;
    return next;
  };
  try {
    live = await connect();
  } catch (err) {
    send({ id: 0, error: { ...describe(err), unavailable: true } });
    return;
  }
  send({ id: 0 });

  const names = new Map<string, string>();
  let auditChain: Promise<typeof import('./audit-chain.js')> | null = null;
  const execute = async (c: pg.Client, req: BridgeRequest): Promise<BridgeReply> => {
    if (req.op === 'audit') {
      auditChain ??= import(chainModule) as Promise<typeof import('./audit-chain.js')>;
      await appendAudit(c, { ...req, beginWrite, chain: await auditChain });
      return { id: req.id, rows: [], rowCount: req.rows?.length ?? 0 };
    }
    if (req.script) {
      await c.query(req.text!);
      return { id: req.id, rows: [], rowCount: 0 };
    }
    let name = names.get(req.text!);
    if (!name) names.set(req.text!, (name = `s${names.size + 1}`));
    const result = await c.query({ name, text: req.text!, values: (req.params ?? []).map(toParam) });
    const rows = result.rows.map((row: Record<string, unknown>) => {
      for (const key of Object.keys(row)) row[key] = copyBytes(row[key]);
      return row;
    });
    return { id: req.id, rows, rowCount: result.rowCount ?? 0 };
  };
  const run = async (req: BridgeRequest): Promise<BridgeReply> => {
    if (req.op === 'close') {
      if (live) await endConnections(live);
      return { id: req.id };
    }
    const ends = /^\s*(COMMIT|ROLLBACK|END)\b/i.test(req.text ?? '');
    if (live?.lost) {
      void endConnections(live);
      live = null;
      if (transaction === 'open') transaction = 'lost';
    }
    if (transaction === 'lost') {
      if (ends) transaction = 'none';
      return ends && /^\s*ROLLBACK/i.test(req.text!) ? { id: req.id, rows: [], rowCount: 0 } : { id: req.id, error: { message: LOST_IN_TRANSACTION, unavailable: true } };
    }
    try {
      live ??= await connect();
    } catch (err) {
      return { id: req.id, error: { ...describe(err), unavailable: true } };
    }
    try {
      const reply = await execute(live.client, req);
      if (/^\s*BEGIN\b/i.test(req.text ?? '')) transaction = 'open';
      else if (ends) transaction = 'none';
      return reply;
    } catch (err) {
      if (!live.lost && !isConnectionLoss(err)) return { id: req.id, error: describe(err) };
      live.lost = true;
      return { id: req.id, error: { ...describe(err), unavailable: true } };
    }
  };
  // One statement at a time, in the order sent: a transaction's statements never interleave.
  let chain = Promise.resolve();
  port.on('message', (req: BridgeRequest) => {
    chain = chain.then(async () => {
      const reply = await run(req);
      if (!req.reply) {
        if (reply.error) lateErrors.push(reply.error.message);
        return;
      }
      if (lateErrors.length > 0) reply.lateErrors = lateErrors.splice(0);
      send(reply);
      if (req.op === 'close') {
        port.close();
        events.close();
      }
    });
  });
}

/**
 * Appends audit rows as the audit repo does, off the main thread: under the write lock, each row
 * is MACed onto the log's last one (audit-chain.ts), and all go in one INSERT, in order.
 */
async function appendAudit(
  c: pg.Client,
  o: Pick<BridgeRequest, 'text' | 'rows' | 'chainKey'> & { beginWrite: string; chain: typeof import('./audit-chain.js') },
): Promise<void> {
  await c.query(o.beginWrite);
  try {
    // Read after the lock is held (a statement of its own, so a snapshot of its own), so another
    // replica's batch committed meanwhile is seen and the chain does not fork. Named, as the INSERT.
    const tail = await c.query({ name: 'audit_tail', text: 'SELECT hash FROM audit ORDER BY id DESC LIMIT 1' });
    let prev = (tail.rows[0] as { hash?: string | null } | undefined)?.hash ?? o.chain.GENESIS;
    const key = Buffer.from(o.chainKey!) as ChainKey;
    const rows: unknown[][] = [];
    for (const row of o.rows as PgAuditRow[]) {
      const fields = o.chain.chainedFields(row);
      const hash = o.chain.fieldsHash(key, prev, fields);
      rows.push([...fields, prev, hash]);
      prev = hash;
    }
    // One JSON parameter, in pg-audit-append.ts's column order. Named, so the server parses and
    // plans it once per connection rather than once per batch.
    await c.query({ name: 'audit_append', text: o.text!, values: [JSON.stringify(rows)] });
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

const LOST_IN_TRANSACTION = 'the database connection was lost during a transaction, which was rolled back';

interface Live {
  client: pg.Client;
  listener: pg.Client;
  /** Set when either connection failed: the next request opens new ones. */
  lost: boolean;
}

/** A connection for statements and one LISTENing on `channel`, calling `announced` with each payload. */
async function openConnections(url: string, channel: string, announced: (table: string) => void): Promise<Live> {
  const live: Live = { client: new pg.Client({ connectionString: url, types }), listener: new pg.Client({ connectionString: url, types }), lost: false };
  for (const c of [live.client, live.listener]) {
    c.on('error', () => void (live.lost = true));
    c.on('end', () => void (live.lost = true));
  }
  live.listener.on('notification', (n) => announced(n.payload ?? ''));
  try {
    await live.client.connect();
    await live.listener.connect();
    await live.listener.query(`LISTEN ${channel}`);
    return live;
  } catch (err) {
    void endConnections(live);
    throw err;
  }
}

async function endConnections(live: Live): Promise<void> {
  await Promise.allSettled([live.client.end(), live.listener.end()]);
}

/** A failure of the connection rather than of the statement: no SQLSTATE, or class 08 (connection) or 57P (shutdown). */
function isConnectionLoss(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || code.startsWith('08') || code.startsWith('57P');
}

function describe(err: unknown): NonNullable<BridgeReply['error']> {
  const e = err as { message?: string; code?: string; detail?: string };
  return { message: e.message ?? String(err), ...(e.code ? { sqlState: e.code } : {}), ...(e.detail ? { detail: e.detail } : {}) };
}

void main(workerData as BridgeWorkerData);
