import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { NanoclawError, errorMessage } from '../../common/errors.js';
import { moduleUrl, startWorker } from '../../common/worker-script.js';
import type { NewAuditEntry } from '../model/records.js';
import type { ChainKey } from './audit-chain.js';
import { auditRowTexts } from './audit-repo.js';
import { BUSY_TIMEOUT_MS } from './db.js';
import type { SqlDatabase } from './sql-database.js';
import type { AuditStore } from './types.js';

/**
 * What the store's thread sends its audit writer: rows as `auditRowTexts` makes them, joined by
 * ROW_SEPARATOR (one string crosses threads as one copy, 256 cost one each); `flush` to have what
 * it holds written now; `close` to end.
 */
export type AuditWriterRequest = { op: 'append'; rows: string } | { op: 'flush' } | { op: 'close' };

/** Never inside a row's text: JSON escapes a line break in a string, and puts none between values. */
export const ROW_SEPARATOR = '\n';

/** The writer's answer once it has finished `requests` more requests: what failed, if anything (never a row's content). */
export interface AuditWriterReply {
  requests: number;
  error?: string;
}

export interface AuditWriterData {
  /** The SQLite file, already migrated; the writer opens a connection of its own. */
  path: string;
  chainKey: Uint8Array;
  /** One Int32: how many requests the writer has finished, written or failed. */
  done: SharedArrayBuffer;
  /** Where each request's `AuditWriterReply` goes. */
  replies: MessagePort;
}

export interface AuditWriterOptions {
  /** The SQLite file, already migrated. */
  path: string;
  chainKey: ChainKey;
  /** Told of each batch that could not be written (the rows are counted, never shown). */
  onError: (message: string) => void;
}

/**
 * Batches in flight before `append` waits for the writer: 64 of 256 rows is about two seconds of a
 * busy gateway, bounding the memory a stalled writer (a lock held elsewhere) can hold.
 */
const MAX_IN_FLIGHT = 64;

/** A writer waits out another writer's lock for up to the busy timeout; a drain waits that long and a little more. */
const DRAIN_TIMEOUT_MS = BUSY_TIMEOUT_MS + 5_000;

/**
 * The SQLite store's audit batches, chained and inserted by a worker thread with its own
 * connection (audit-writer-worker.ts), as the Postgres store's go to its worker: the gateway's
 * thread no longer stops for them. A batch of 256 rows held every connection's requests for over
 * a millisecond while it was MACed and inserted. The rows are checked here, so a bad time still
 * throws at once. The chain holds with two writers on the file: each transaction reads the log's
 * last hash under the write lock. Started on the first batch, so a command that writes none
 * starts no thread.
 */
export class AuditWriter {
  private worker: Worker | null = null;
  private replies: MessagePort | null = null;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private sent = 0;
  /** Requests the replies taken in so far cover (the shared count moves just after each reply is queued). */
  private answered = 0;
  private readonly toText = auditRowTexts();
  private readonly o: AuditWriterOptions;

  constructor(options: AuditWriterOptions) {
    this.o = options;
  }

  /**
   * Sends the rows without waiting (unless MAX_IN_FLIGHT batches are; then it waits for them); a
   * failure to write them is reported through `onError`.
   */
  append(entries: readonly NewAuditEntry[]): void {
    if (entries.length === 0) return;
    const rows = entries.map(this.toText).join(ROW_SEPARATOR);
    if (this.inFlight >= MAX_IN_FLIGHT) this.drain();
    this.send({ op: 'append', rows });
  }

  /** Whether batches sent are not all written yet. */
  get pending(): boolean {
    return this.inFlight > 0;
  }

  /** Requests sent that the writer has not finished. */
  private get inFlight(): number {
    return this.sent - Atomics.load(this.done, 0);
  }

  /** Returns once every batch sent so far is written, or has failed and was reported. */
  drain(): void {
    // The writer waits for more rows before it writes: not now.
    if (this.pending) this.send({ op: 'flush' });
    this.awaitWriter();
  }

  /** Writes what was sent, closes the writer's connection and ends its thread. */
  close(): void {
    const worker = this.worker;
    if (!worker) return;
    try {
      this.send({ op: 'close' });
      this.awaitWriter();
    } catch (err) {
      this.o.onError(errorMessage(err));
    }
    this.worker = null;
    this.replies = null;
    void worker.terminate();
  }

  /** Sleeps until the writer has finished every request sent, then takes in its replies. */
  private awaitWriter(): void {
    const deadline = performance.now() + DRAIN_TIMEOUT_MS;
    for (let done = Atomics.load(this.done, 0); done < this.sent; done = Atomics.load(this.done, 0)) {
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new NanoclawError('store_unavailable', `The audit writer did not finish ${this.sent - done} batch(es) within ${DRAIN_TIMEOUT_MS / 1000}s`, {
          hint: `Check that nothing holds a write lock on ${this.o.path} for long (another nanoclaw vault on the same data directory)`,
        });
      }
      Atomics.wait(this.done, 0, done, left);
    }
    // Read here rather than left to the event loop: a failure is reported before the caller goes on.
    const replies = this.replies;
    for (let m = replies && receiveMessageOnPort(replies); m; m = receiveMessageOnPort(replies!)) this.received(m.message as AuditWriterReply);
  }

  private send(request: AuditWriterRequest): void {
    const worker = (this.worker ??= this.start());
    this.sent++;
    // Held while batches are in flight, so a process that ends on its own writes them first.
    worker.ref();
    worker.postMessage(request);
  }

  private start(): Worker {
    const { port1: replies, port2 } = new MessageChannel();
    const data: AuditWriterData = { path: this.o.path, chainKey: new Uint8Array(this.o.chainKey), done: this.done.buffer as SharedArrayBuffer, replies: port2 };
    const worker = startWorker(moduleUrl('audit-writer-worker', import.meta.url, 'the audit writer'), { workerData: data, transferList: [port2] });
    this.replies = replies;
    replies.on('message', (reply: AuditWriterReply) => this.received(reply));
    // The worker's reference (held while batches are in flight) is what keeps a process running.
    replies.unref();
    worker.on('error', (err) => this.o.onError(`The audit writer stopped: ${errorMessage(err)}`));
    worker.on('exit', () => {
      replies.close();
      if (this.worker !== worker) return;
      // Gone before its work was done: what it had is lost; the next batch starts another.
      const lost = this.inFlight;
      if (lost > 0) this.o.onError(`${lost} audit batch(es) were not written: the audit writer stopped`);
      this.sent = this.answered = Atomics.load(this.done, 0);
      this.worker = null;
      this.replies = null;
    });
    return worker;
  }

  private received(reply: AuditWriterReply): void {
    if (reply.error) this.o.onError(reply.error);
    this.answered += reply.requests;
    if (this.answered >= this.sent) this.worker?.unref();
  }
}

/**
 * `audit` with its batches sent to `writer`, and every other call made once the batches sent
 * before it are written: a read sees every row recorded before it, a single row or a pruning
 * follows them in the chain. Not inside a transaction of `db`'s with batches in flight: the
 * writer would wait for its lock until the busy timeout (`settle` first, as the snapshot does).
 */
export function writtenBy(audit: AuditStore, writer: AuditWriter, db: SqlDatabase): AuditStore {
  const settle = (): void => {
    if (db.isTransaction && writer.pending) throw new Error('The audit log was read inside a transaction with audit batches in flight: settle() before it begins');
    writer.drain();
  };
  return {
    appendMany: (entries) => writer.append(entries),
    append: (entry) => (settle(), audit.append(entry)),
    list: (query) => (settle(), audit.list(query)),
    prune: (o) => (settle(), audit.prune(o)),
    replaceAll: (entries) => (settle(), audit.replaceAll(entries)),
    verify: () => (settle(), audit.verify()),
    settle,
  };
}
