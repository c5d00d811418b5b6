import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../../common/errors.js';
import type { ChainKey } from './audit-chain.js';
import { auditAppender } from './audit-repo.js';
import { ROW_SEPARATOR, type AuditWriterData, type AuditWriterReply, type AuditWriterRequest } from './audit-writer.js';
import { openDatabase } from './db.js';

/**
 * The audit writer's thread (audit-writer.ts): appends the batches it is sent, chained onto the
 * log's last row, on a connection of its own. Batches are written together, in one transaction,
 * once GROUP_ROWS rows wait or GROUP_MS after the first, or at once when asked (`flush`,
 * `close`). Each request is counted in the shared counter the store's thread waits on once it is
 * written (or failed, which is replied first).
 */
const { path, chainKey, done, replies } = workerData as AuditWriterData;
const finished = new Int32Array(done);
const port = parentPort!;

/**
 * A transaction has a fixed cost (the commit, the tail of the chain, the last page of the table
 * and of each index written again, this thread's caches warmed again). Measured on a 2-core
 * machine at a busy gateway's pace (256 rows every 30 ms): rows cost 8.6 µs each written 256 at a
 * time here, 7.7 µs at 512, 6.7 µs at 1,024; the gateway's thread had spent 7.6 µs a row writing
 * them itself. A group of 1,024 is about 5 ms of CPU at once, and the bench's p99 latency at 16
 * connections rose 17% with it; at 512 it did not move. The wait adds to what a crash loses: the
 * recorder's window, then this one.
 */
const GROUP_ROWS = 512;
const GROUP_MS = 100;

/**
 * The writer's nice value, the lowest there is. A group's transaction is a few milliseconds of CPU
 * at once, taken from the gateway's thread, the agents and the upstreams when they share the
 * cores; the rows can wait. Linux keeps a nice value per thread, set through the thread's own id;
 * elsewhere the writer runs at the default priority.
 */
const WRITER_NICE = 19;

function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, WRITER_NICE);
  } catch {
    /* not Linux, or not allowed: the default priority */
  }
}
lowerPriority();

let connection: { close(): void; append(texts: readonly string[]): void } | null = null;
let rows: string[] = [];
/** Requests received whose rows are in `rows`, or that wait for them (flush, close). */
let waiting = 0;
let timer: NodeJS.Timeout | null = null;

function connect(): NonNullable<typeof connection> {
  const db = openDatabase(path);
  const appender = auditAppender({ db, chainKey: Buffer.from(chainKey) as ChainKey });
  return { close: () => db.close(), append: appender.append };
}

function write(): void {
  if (timer) clearTimeout(timer);
  timer = null;
  const texts = rows;
  rows = [];
  const reply: AuditWriterReply = { requests: waiting };
  try {
    if (texts.length > 0) (connection ??= connect()).append(texts);
  } catch (err) {
    reply.error = `Could not write ${texts.length} audit row(s): ${errorMessage(err)}`;
  }
  // The reply is queued before the count moves: whoever waited on the count finds it there.
  replies.postMessage(reply);
  Atomics.add(finished, 0, waiting);
  Atomics.notify(finished, 0);
  waiting = 0;
}

port.on('message', (request: AuditWriterRequest) => {
  waiting++;
  if (request.op === 'append') {
    for (const text of request.rows.split(ROW_SEPARATOR)) rows.push(text);
    if (rows.length >= GROUP_ROWS) write();
    else timer ??= setTimeout(write, GROUP_MS);
    return;
  }
  if (request.op === 'flush') return write();
  write();
  try {
    connection?.close();
  } catch {
    /* closing anyway */
  }
  connection = null;
  replies.close();
  port.close();
});
