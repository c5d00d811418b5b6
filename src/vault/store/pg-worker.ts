import { workerData } from 'node:worker_threads';
import pg from 'pg';
import type { BridgeReply, BridgeRequest, BridgeWorkerData } from './pg-bridge-protocol.js';

/**
 * The Postgres side of the store's synchronous bridge (pg-bridge.ts), run in a worker thread:
 * one connection runs the main thread's statements in the order they were sent, and a second one
 * LISTENs for other writers' changes and bumps a shared counter, so the main thread learns of
 * them without a query. Imports nothing of the project at run time (types only): it runs as it
 * is, from src (Node strips the types) or from dist.
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

async function main({ url, port, events, state, channel, slots }: BridgeWorkerData): Promise<void> {
  const flags = new Int32Array(state);
  const send = (reply: BridgeReply) => {
    port.postMessage(reply);
    Atomics.store(flags, slots.replyReady, 1);
    Atomics.notify(flags, slots.replyReady);
  };
  const client = new pg.Client({ connectionString: url, types });
  const listener = new pg.Client({ connectionString: url, types });
  let broken: string | null = null;
  const lateErrors: string[] = [];
  for (const c of [client, listener]) {
    c.on('error', (err) => {
      broken = `the database connection failed: ${err.message}`;
    });
  }
  listener.on('notification', (n) => {
    Atomics.add(flags, slots.changes, 1);
    events.postMessage(n.payload ?? '');
  });
  try {
    await client.connect();
    await listener.connect();
    await listener.query(`LISTEN ${channel}`);
  } catch (err) {
    send({ id: 0, error: describe(err) });
    return;
  }
  send({ id: 0 });

  const names = new Map<string, string>();
  const run = async (req: BridgeRequest): Promise<BridgeReply> => {
    if (broken) return { id: req.id, error: { message: broken } };
    if (req.op === 'close') {
      await Promise.allSettled([client.end(), listener.end()]);
      return { id: req.id };
    }
    try {
      if (req.script) {
        await client.query(req.text!);
        return { id: req.id, rows: [], rowCount: 0 };
      }
      let name = names.get(req.text!);
      if (!name) names.set(req.text!, (name = `s${names.size + 1}`));
      const result = await client.query({ name, text: req.text!, values: (req.params ?? []).map(toParam) });
      const rows = result.rows.map((row: Record<string, unknown>) => {
        for (const key of Object.keys(row)) row[key] = copyBytes(row[key]);
        return row;
      });
      return { id: req.id, rows, rowCount: result.rowCount ?? 0 };
    } catch (err) {
      return { id: req.id, error: describe(err) };
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

function describe(err: unknown): NonNullable<BridgeReply['error']> {
  const e = err as { message?: string; code?: string; detail?: string };
  return { message: e.message ?? String(err), ...(e.code ? { sqlState: e.code } : {}), ...(e.detail ? { detail: e.detail } : {}) };
}

void main(workerData as BridgeWorkerData);
