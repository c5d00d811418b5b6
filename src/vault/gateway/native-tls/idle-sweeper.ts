/** Something with a deadline counted in sweeper ticks since its last activity. */
export interface Sweepable {
  /** Ticks since the last activity; the owner sets it to 0 when something happens. */
  idleTicks: number;
  /** Ticks of inactivity allowed; 0: none (no deadline). */
  idleLimit: number;
  /** The deadline passed. */
  expire(): void;
  /** Called every tick, for deadlines of its own (a request head that never completes). */
  tick?(): void;
}

/**
 * One timer for every natively terminated connection's idle, handshake and close deadlines,
 * instead of a Node timer each: activity is then a field write, and an idle connection holds
 * no timer object (idle memory per connection is a target). Deadlines are accurate to a tick.
 */
export class IdleSweeper {
  readonly tickMs: number;
  private readonly members = new Set<Sweepable>();
  private timer: NodeJS.Timeout | null = null;

  constructor(tickMs = 1_000) {
    this.tickMs = tickMs;
  }

  /** Ticks for `ms` (at least one, so a deadline is never immediate); 0 stays 0. */
  ticks(ms: number): number {
    return ms <= 0 ? 0 : Math.max(1, Math.ceil(ms / this.tickMs));
  }

  add(member: Sweepable): void {
    this.members.add(member);
    this.timer ??= setInterval(() => this.sweep(), this.tickMs).unref();
  }

  delete(member: Sweepable): void {
    this.members.delete(member);
    if (this.members.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private sweep(): void {
    for (const m of this.members) {
      m.tick?.();
      if (m.idleLimit > 0 && ++m.idleTicks >= m.idleLimit && this.members.has(m)) m.expire();
    }
  }
}
