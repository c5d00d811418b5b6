import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { NanoclawError } from '../../common/errors.js';
import { moduleUrl, startWorker } from '../../common/worker-script.js';
import { BEGIN_WRITE } from './pg-dialect.js';
import { ANY_TABLE } from './types.js';
import { SLOTS, type BridgeReply, type BridgeRequest, type BridgeWorkerData } from './pg-bridge-protocol.js';

/** How long a statement may take before the store reports the database unavailable. */
export const STATEMENT_TIMEOUT_MS = 30_000;

const STARTING = 'the Postgres store';

/** The NOTIFY channel every write to a shared table is announced on (see pg-database.ts). */
export const CHANGE_CHANNEL = 'nanoclaw_vault';

/** A failed statement, with the SQLSTATE that `isUniqueViolation` reads. */
export class PgStatementError extends Error {
  readonly sqlState: string | undefined;
  constructor(error: NonNullable<BridgeReply['error']>) {
    super(error.message);
    this.name = 'PgStatementError';
    this.sqlState = error.sqlState;
  }
}

/**
 * A synchronous call into node-postgres: the statement goes to a worker thread and this thread
 * sleeps in `Atomics.wait` until the reply is there. What the store's synchronous interface
 * costs on Postgres is one such round trip per statement (measured in docs/ARCHITECTURE.md).
 */
export class PgBridge {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flags: Int32Array;
  private readonly redactedUrl: string;
  private readonly events: MessagePort;
  private readonly listeners = new Set<(table: string) => void>();
  private nextId = 1;
  private closed = false;
  /** Failures of fire-and-forget statements, as the worker reported them. */
  onLateErrors: (messages: string[]) => void = () => {};

  constructor({ url }: { url: string }) {
    this.redactedUrl = redactUrl(url);
    const state = new SharedArrayBuffer(8);
    this.flags = new Int32Array(state);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const events = new MessageChannel();
    this.events = events.port1;
    this.events.on('message', (table: string) => {
      for (const listener of [...this.listeners]) listener(table);
    });
    this.events.unref();
    const data: BridgeWorkerData = {
      url,
      port: port2,
      events: events.port2,
      state,
      slots: SLOTS,
      channel: CHANGE_CHANNEL,
      anyTable: ANY_TABLE,
      beginWrite: BEGIN_WRITE,
      chainModule: moduleUrl('audit-chain', import.meta.url, STARTING).href,
    };
    this.worker = startWorker(moduleUrl('pg-worker', import.meta.url, STARTING), { workerData: data, transferList: [port2, events.port2] });
    this.worker.unref();
    try {
      this.await(0);
    } catch (err) {
      void this.worker.terminate();
      throw err;
    }
  }

  /** Bumped each time another connection announced a change (a NOTIFY on CHANGE_CHANNEL). */
  get changes(): number {
    return Atomics.load(this.flags, SLOTS.changes);
  }

  /** Calls `listener` with the table of each announced change (any connection's, this one's too), on the event loop. */
  subscribe(listener: (table: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs one statement (or a parameterless script) and waits for its result. */
  query(text: string, params: unknown[] = [], { script = false } = {}): { rows: Record<string, unknown>[]; rowCount: number } {
    const id = this.send({ op: 'query', text, params: params.map(ownBytes), script, reply: true });
    const reply = this.await(id);
    return { rows: reply.rows ?? [], rowCount: reply.rowCount ?? 0 };
  }

  /** Sends a statement without waiting: it runs before any statement sent after it; a failure is reported later. */
  post(text: string, params: unknown[] = []): void {
    this.send({ op: 'query', text, params: params.map(ownBytes), reply: false });
  }

  /** Sends audit rows to be chained and appended without waiting (pg-audit-append.ts). */
  postAudit({ text, rows, chainKey }: { text: string; rows: unknown[]; chainKey: Uint8Array }): void {
    this.send({ op: 'audit', text, rows, chainKey: new Uint8Array(chainKey), reply: false });
  }

  close(): void {
    if (this.closed) return;
    try {
      this.await(this.send({ op: 'close', reply: true }));
    } catch {
      /* closing anyway */
    }
    this.closed = true;
    this.listeners.clear();
    this.events.close();
    void this.worker.terminate();
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  private send(req: Omit<BridgeRequest, 'id'>): number {
    if (this.closed) throw new NanoclawError('store_unavailable', 'The vault store is closed');
    const id = this.nextId++;
    this.port.postMessage({ ...req, id });
    return id;
  }

  private await(id: number): BridgeReply {
    for (;;) {
      const outcome = Atomics.wait(this.flags, SLOTS.replyReady, 0, STATEMENT_TIMEOUT_MS);
      Atomics.store(this.flags, SLOTS.replyReady, 0);
      // Replies queue in order; one left over from a statement that timed out is dropped here.
      for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
        const reply = m.message as BridgeReply;
        if (reply.lateErrors) this.onLateErrors(reply.lateErrors);
        if (reply.id !== id) continue;
        if (!reply.error) return reply;
        throw reply.error.unavailable ? unavailable(this.redactedUrl, reply.error.message) : new PgStatementError(reply.error);
      }
      if (outcome === 'timed-out') throw unavailable(this.redactedUrl, `no answer within ${STATEMENT_TIMEOUT_MS / 1000}s`);
    }
  }
}

function ownBytes(v: unknown): unknown {
  // A Buffer may view a shared pool: only its own bytes cross to the worker.
  return v instanceof Uint8Array ? new Uint8Array(v) : v;
}

function unavailable(url: string, why: string): NanoclawError {
  return new NanoclawError('store_unavailable', `Cannot use the vault database ${url}: ${why}`, {
    hint: 'Check that Postgres is running and that NANOCLAW_DATABASE_URL names a database this user may use',
  });
}

/** The URL without its password, for messages and `VaultStore.path`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
