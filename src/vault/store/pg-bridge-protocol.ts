import type { MessagePort } from 'node:worker_threads';

/** The messages between the store's main-thread bridge (pg-bridge.ts) and its worker (pg-worker.ts). */

/** What the main thread asks. `reply: false` is fire-and-forget (its failure is reported with the next reply). */
export interface BridgeRequest {
  id: number;
  /** `audit`: chain `rows` to the log's last row and append them (pg-audit-append.ts), in one locked transaction. */
  op: 'query' | 'close' | 'audit';
  text?: string;
  params?: unknown[];
  /** Several statements without parameters (simple protocol): a migration step, a transaction control. */
  script?: boolean;
  reply: boolean;
  /** For `audit`: the rows, already checked (time in ISO UTC, host lower-case), and the chain's MAC key. */
  rows?: unknown[];
  chainKey?: Uint8Array;
}

export interface BridgeReply {
  id: number;
  rows?: Record<string, unknown>[];
  rowCount?: number;
  /** `unavailable`: the database could not be reached (not a failure of the statement itself). */
  error?: { message: string; sqlState?: string; detail?: string; unavailable?: boolean };
  /** Failures of fire-and-forget requests since the last reply. */
  lateErrors?: string[];
}

export interface BridgeWorkerData {
  url: string;
  port: MessagePort;
  /** Where each announcement's payload (the table changed) is posted, for listeners on the main thread. */
  events: MessagePort;
  /** Int32Array view, indexed by `slots`. */
  state: SharedArrayBuffer;
  slots: typeof SLOTS;
  /** The NOTIFY channel other writers announce their changes on. */
  channel: string;
  /** Posted on `events` after a reconnection, when announcements may have been missed. */
  anyTable: string;
  /** The script that opens a write transaction (BEGIN and the advisory write lock). */
  beginWrite: string;
  /** URL of audit-chain (.js from dist, .ts from src): the worker MACs the rows it appends. */
  chainModule: string;
}

/** Slots of the shared state: the reply-ready flag the main thread waits on, and the change counter. */
export const SLOTS = { replyReady: 0, changes: 1 } as const;

