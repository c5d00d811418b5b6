import {
  loadBinding,
  TLS_EVENT,
  type LaneDecision,
  type LaneOutcome,
  type LaneTakeover,
  type NativeTlsBinding,
  type TlsConnectionInfo,
  type TlsEventKind,
} from './binding.js';
import { MemoryTrimmer } from './memory-trimmer.js';

/** What a connection reports; every callback runs on the event loop, never re-entrantly from a call. */
export interface TlsHandlers {
  secure(): void;
  data(chunk: Buffer): void;
  /** The peer will send nothing more; the connection can still be written and must still be destroyed. */
  end(): void;
  /** Handshake, verification, read or write failure: destroy the connection. */
  error(message: string): void;
  drain(): void;
  /** A `pipeTo` has passed all its bytes. */
  piped?(bytes: number): void;
  /** Agent connections with the fast lane armed (see TLS_EVENT.laneRequest). */
  laneRequest?(method: string, target: string): LaneDecision | undefined;
  laneDone?(outcome: LaneOutcome): void;
  laneTakeover?(takeover: LaneTakeover, bytesIn: number): void;
}

export interface ConnectOptions {
  /** The one address the egress guard checked. */
  address: string;
  port: number;
  /** SNI ('' for an IP destination). */
  servername: string;
  /** The name (or IP literal) the certificate must be valid for. */
  verifyName: string;
  context: number;
}

const TICKET_KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** One TLS connection held by the addon. */
export class NativeTlsConnection {
  readonly id: number;
  private readonly binding: NativeTlsBinding;
  private readonly registry: Map<number, TlsHandlers>;
  private readonly trimmer: MemoryTrimmer;
  private destroyed = false;

  constructor(o: { id: number; binding: NativeTlsBinding; registry: Map<number, TlsHandlers>; trimmer: MemoryTrimmer }) {
    this.id = o.id;
    this.binding = o.binding;
    this.registry = o.registry;
    this.trimmer = o.trimmer;
  }

  /** False when the caller should wait for `drain`. */
  write(data: Buffer): boolean {
    return !this.destroyed && this.binding.write(this.id, data);
  }

  end(): void {
    if (!this.destroyed) this.binding.end(this.id);
  }

  pause(): void {
    if (!this.destroyed) this.binding.setPaused(this.id, true);
  }

  resume(): void {
    if (!this.destroyed) this.binding.setPaused(this.id, false);
  }

  /** Passes the next `bytes` bytes read here straight to `target`; `piped` follows. */
  pipeTo(target: NativeTlsConnection, bytes: number): void {
    this.binding.pipe(this.id, target.id, bytes);
  }

  /** The fast lane takes the next requests (see TLS_EVENT.laneRequest). */
  laneArm(host: string, maxHeaderSize: number): void {
    if (!this.destroyed) this.binding.laneArm(this.id, host, maxHeaderSize);
  }

  /** Bytes read and written so far, counting those piped natively. */
  progress(): number {
    return this.destroyed ? -1 : this.binding.progress(this.id);
  }

  info(): TlsConnectionInfo | null {
    return this.destroyed ? null : this.binding.info(this.id);
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Idempotent; no callback runs afterwards. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.registry.delete(this.id);
    this.binding.destroy(this.id);
    this.trimmer.changed();
  }
}

/** The addon for this thread: contexts, server-side adoption of accepted sockets, client dials. */
export class NativeTls {
  private readonly binding: NativeTlsBinding;
  private readonly registry = new Map<number, TlsHandlers>();
  /** Returns the heap memory that connections coming and going leave free. */
  readonly trimmer: MemoryTrimmer;

  private constructor(binding: NativeTlsBinding) {
    this.binding = binding;
    this.trimmer = new MemoryTrimmer({ trim: () => binding.trimMemory() });
    // Every leaf shares one server context and so one ticket key: renewed daily, as a leaf's
    // own context was when the leaf was renewed.
    setInterval(() => {
      try {
        this.rotateTicketKeys();
      } catch {
        // Out of memory for a new context: the current keys serve until the next day.
      }
    }, TICKET_KEY_LIFETIME_MS).unref();
    binding.init((kind, id, arg, arg2) => this.dispatch(kind, id, arg, arg2));
  }

  private static loaded: NativeTls | { error: string } | undefined;

  /** The transport, or why it is unavailable; loaded once per thread, on first use. */
  static load(): NativeTls | { error: string } {
    if (NativeTls.loaded === undefined) {
      const binding = loadBinding();
      NativeTls.loaded = 'error' in binding ? binding : new NativeTls(binding);
    }
    return NativeTls.loaded;
  }

  serverContext(leaf: { certPem: string; keyPem: string }): number {
    return this.binding.serverContext(leaf.certPem, leaf.keyPem);
  }

  clientContext(caPems: readonly string[]): number {
    return this.binding.clientContext(caPems);
  }

  freeContext(context: number): void {
    this.binding.freeContext(context);
  }

  /** TLS server on a duplicate of `fd`; `head` holds bytes already read off it (an early ClientHello). */
  adopt(o: { fd: number; context: number; head: Buffer | null; handlers: TlsHandlers }): NativeTlsConnection {
    const id = this.binding.adopt(o.fd, o.context, o.head && o.head.length > 0 ? o.head : null);
    return this.track(id, o.handlers);
  }

  connect(o: ConnectOptions & { handlers: TlsHandlers }): NativeTlsConnection {
    const id = this.binding.connect(o.address, o.port, o.servername, o.verifyName, o.context);
    return this.track(id, o.handlers);
  }

  /** New session ticket keys for agents' connections; tickets issued before no longer resume. */
  rotateTicketKeys(): void {
    this.binding.rotateServerContext();
  }

  counts(): { connections: number; contexts: number } {
    return this.binding.counts();
  }

  private track(id: number, handlers: TlsHandlers): NativeTlsConnection {
    this.registry.set(id, handlers);
    this.trimmer.changed();
    return new NativeTlsConnection({ id, binding: this.binding, registry: this.registry, trimmer: this.trimmer });
  }

  private dispatch(kind: TlsEventKind, id: number, arg: unknown, arg2: unknown): LaneDecision | undefined {
    const h = this.registry.get(id);
    if (!h) return undefined;
    switch (kind) {
      case TLS_EVENT.laneRequest:
        return h.laneRequest?.(arg as string, arg2 as string);
      case TLS_EVENT.laneDone:
        h.laneDone?.(arg as LaneOutcome);
        break;
      case TLS_EVENT.laneTakeover:
        h.laneTakeover?.(arg as LaneTakeover, arg2 as number);
        break;
      case TLS_EVENT.data:
        h.data(arg as Buffer);
        break;
      case TLS_EVENT.secure:
        h.secure();
        break;
      case TLS_EVENT.end:
        h.end();
        break;
      case TLS_EVENT.drain:
        h.drain();
        break;
      case TLS_EVENT.piped:
        h.piped?.(arg as number);
        break;
      case TLS_EVENT.error:
        h.error(typeof arg === 'string' ? arg : 'TLS connection failed');
        break;
    }
    return undefined;
  }
}
