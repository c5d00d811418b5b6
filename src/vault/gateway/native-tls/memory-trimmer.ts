/**
 * When to give freed heap memory back to the system. A TLS handshake allocates and frees tens
 * of KiB, interleaved with the few KiB each connection keeps, so after a burst of connections
 * the allocator holds free pages it never returns on its own (it only trims the top of its
 * heap): about 5 KiB per idle connection measured with the bench's 1000. Trimming costs about
 * a millisecond at that size, so it runs once churn has paused for `quietMs`, or at the latest
 * `maxWaitMs` after the first unreturned change under constant churn, and never while
 * nothing has changed.
 */
export interface TrimmerOptions {
  /** Returns whether memory was released; called on the event loop. */
  trim: () => boolean;
  quietMs?: number;
  maxWaitMs?: number;
  now?: () => number;
}

export class MemoryTrimmer {
  /** How many times `trim` has run. */
  trims = 0;
  private readonly trim: () => boolean;
  private readonly quietMs: number;
  private readonly maxWaitMs: number;
  private readonly now: () => number;
  private firstChange: number | null = null;
  private lastChange = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(o: TrimmerOptions) {
    this.trim = o.trim;
    this.quietMs = o.quietMs ?? 1_000;
    this.maxWaitMs = o.maxWaitMs ?? 10_000;
    this.now = o.now ?? (() => performance.now());
  }

  /** A change is waiting for its trim. */
  get pending(): boolean {
    return this.firstChange !== null;
  }

  /** A connection opened or closed. */
  changed(): void {
    const now = this.now();
    this.lastChange = now;
    this.firstChange ??= now;
    // Unreferenced: a pending trim never keeps the process alive.
    this.timer ??= setInterval(() => this.check(), this.quietMs).unref();
  }

  /** Trims when it is due; the timer calls it, tests may too. */
  check(): void {
    if (this.firstChange === null) return this.stop();
    const now = this.now();
    if (now - this.lastChange < this.quietMs && now - this.firstChange < this.maxWaitMs) return;
    this.firstChange = null;
    this.stop();
    this.trims++;
    this.trim();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
