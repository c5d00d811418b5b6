import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { findPackageRoot, PACKAGE_LAYOUT } from '../../../common/package-layout.js';
import { addonTables, type AddonTables } from '../wire-tables.js';

/**
 * The raw surface of `native/tls-transport` (built by `npm run build` into
 * dist/native/tls_transport.node): TLS connections that OpenSSL drives on Node's own event
 * loop, straight on the socket descriptor. Node's TLS stack costs about as much CPU per
 * request as a whole C proxy does, and keeps ~45 KiB per idle connection; this keeps the
 * bytes in native code and hands JavaScript only plaintext.
 */

/** Event kinds passed to the callback given to `init`. */
export const TLS_EVENT = {
  /** Handshake done. */
  secure: 1,
  /** `arg` is a plaintext Buffer the callee owns. */
  data: 2,
  /** The peer will send nothing more (close_notify or TCP FIN); writing is still possible. */
  end: 3,
  /** `arg` is a message; the connection does nothing more until destroyed. */
  error: 4,
  /** The write queue has emptied after `write` returned false. */
  drain: 5,
  /** A `pipe` has passed all its bytes; `arg` is how many. */
  piped: 6,
  /**
   * The fast lane has an ordinary request (`arg` method, `arg2` target) and asks, synchronously,
   * whether to forward it: the callback returns a `LaneDecision`, or nothing to leave the request
   * (whose bytes then arrive as `data`) to JavaScript.
   */
  laneRequest: 7,
  /** A fast-lane exchange is over; `arg` is `LaneOutcome`. */
  laneDone: 8,
  /** A fast-lane response JavaScript must carry on; `arg` is `LaneTakeover`, `arg2` the request body bytes sent. */
  laneTakeover: 9,
} as const;

/** [upstream connection id, `name: value` field to set, lower-case names to drop joined by '\n', packed forms]. */
export type LaneDecision = [upstream: number, field: Buffer, remove: Buffer, forms: Buffer];

/** [status, request body bytes, response body bytes, flags (1 echoed, 2 reusable, 4·failure), Keep-Alive ms or -1]. */
export type LaneOutcome = [status: number, bytesIn: number, bytesOut: number, flags: number, keepAliveMs: number];

/** [response bytes read so far, request head sent, why the upstream stopped ('' ended) or undefined, upstream id]. */
export type LaneTakeover = [received: Buffer, sentHead: Buffer, why: string | undefined, upstream: number];

export type TlsEventKind = (typeof TLS_EVENT)[keyof typeof TLS_EVENT];

export interface TlsConnectionInfo {
  /** Server side: the SNI name the client sent ('' when none). Client side: the name sent. */
  servername: string;
  /** Negotiated ALPN protocol, '' when none. */
  alpn: string;
  /** e.g. 'TLSv1.3'. */
  protocol: string;
  /** Client side: whether a cached session was resumed. */
  reused: boolean;
}

export interface NativeTlsBinding {
  /**
   * The fast lane's tables (wire-tables.ts), which the C++ has no copy of: `loadBinding` gives
   * them before anything else. Until then `laneArm` throws. Throws on a malformed table.
   */
  configure(tables: AddonTables): void;
  /** Once per thread before anything else: every connection's events go to `onEvent`. */
  init(onEvent: (kind: TlsEventKind, id: number, arg: unknown, arg2: unknown) => LaneDecision | undefined): void;
  /** A server context for one leaf; throws on a bad certificate or key. */
  serverContext(certPem: string, keyPem: string): number;
  /** A client context trusting exactly `caPems` (each may hold several certificates), verifying peers. */
  clientContext(caPems: readonly string[]): number;
  /** Frees a context; connections already using it keep it alive until they close. */
  freeContext(ctx: number): void;
  /** Runs a TLS server on a duplicate of `fd` (the caller closes its own), after first reading `head`. */
  adopt(fd: number, ctx: number, head: Buffer | null): number;
  /** Dials exactly `address` (an IP literal) and runs a verified TLS client handshake. */
  connect(address: string, port: number, servername: string, verifyName: string, ctx: number): number;
  /** Queues plaintext; false once ≥ 64 KiB are queued (wait for `drain`). Before `secure` it waits for the handshake. */
  write(id: number, data: Buffer): boolean;
  /** After the queue has gone out: close_notify, then the TCP write side is shut. */
  end(id: number): void;
  setPaused(id: number, paused: boolean): void;
  /** Closes now; no event follows. Unknown or already destroyed ids are ignored. */
  destroy(id: number): void;
  info(id: number): TlsConnectionInfo | null;
  /**
   * Passes the next `bytes` plaintext bytes that arrive on `from` straight to `to` (no data
   * events for them), with flow control between the two, then emits `piped` on `from`.
   */
  pipe(from: number, to: number, bytes: number): void;
  /**
   * The agent connection is between requests: its next ones go to the fast lane, whose Host must
   * be byte-equal to `host` (see TLS_EVENT.laneRequest). Until a request is handed back or taken over.
   */
  laneArm(id: number, host: string, maxHeaderSize: number): void;
  /** Plaintext bytes read and written so far (-1 for an unknown id): activity the JS side does not see. */
  progress(id: number): number;
  counts(): { connections: number; contexts: number };
  /**
   * Gives free heap pages back to the system (glibc's malloc_trim): handshakes leave their
   * freed memory between long-lived connections' state. False when nothing was released or
   * the C library has no such call.
   */
  trimMemory(): boolean;
  /** A new server context for adopted connections: tickets issued before no longer resume. */
  rotateServerContext(): void;
}

/** The addon, configured with the gateway's tables, or why it could not be loaded (not built on this machine, or a broken build). */
export function loadBinding(): NativeTlsBinding | { error: string } {
  let path: string;
  try {
    path = join(findPackageRoot(), PACKAGE_LAYOUT.nativeAddon);
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
  if (!existsSync(path)) return { error: `${path} is missing (run: npm run build)` };
  try {
    const binding = createRequire(import.meta.url)(path) as NativeTlsBinding;
    binding.configure(addonTables());
    return binding;
  } catch (err) {
    return { error: `${path} failed to load: ${err instanceof Error ? err.message : String(err)}` };
  }
}
