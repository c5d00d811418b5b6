import { createHash, randomBytes } from 'node:crypto';

/** A message shown once on the next page (after a redirect). */
export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

export interface DashboardSession {
  /** The cookie value; never logged. */
  readonly id: string;
  /** Goes into every form as a hidden field and must come back with every POST. */
  readonly csrf: string;
  readonly createdAt: number;
  lastSeen: number;
  flash: Flash | null;
}

export interface SessionStoreOptions {
  /** A session unused this long ends (default 30 min). */
  idleMs?: number;
  /** A session ends this long after sign-in whatever happens (default 12 h). */
  maxAgeMs?: number;
  /** Most sessions kept; the least recently used go first (default 64). */
  max?: number;
  now?: () => number;
}

const token = () => randomBytes(32).toString('base64url');
// Keyed by a hash so the lookup's timing says nothing about stored ids.
const keyOf = (id: string) => createHash('sha256').update(id).digest('hex');

/** In-memory dashboard sessions: random ids, idle and absolute expiry; a vault restart signs everyone out. */
export class SessionStore {
  private readonly sessions = new Map<string, DashboardSession>();
  private readonly idleMs: number;
  private readonly maxAgeMs: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(options: SessionStoreOptions = {}) {
    this.idleMs = options.idleMs ?? 30 * 60_000;
    this.maxAgeMs = options.maxAgeMs ?? 12 * 60 * 60_000;
    this.max = options.max ?? 64;
    this.now = options.now ?? Date.now;
  }

  /** Seconds a fresh cookie should live (the absolute limit; the idle limit is enforced here). */
  get cookieMaxAgeSeconds(): number {
    return Math.floor(this.maxAgeMs / 1000);
  }

  create(): DashboardSession {
    const at = this.now();
    const session: DashboardSession = { id: token(), csrf: token(), createdAt: at, lastSeen: at, flash: null };
    this.sessions.set(keyOf(session.id), session);
    while (this.sessions.size > this.max) {
      const oldest = [...this.sessions.entries()].sort((a, b) => a[1].lastSeen - b[1].lastSeen)[0];
      if (oldest) this.sessions.delete(oldest[0]);
    }
    return session;
  }

  /** The live session with this id (and marks it used), or null when unknown or expired. */
  get(id: string | undefined): DashboardSession | null {
    if (!id) return null;
    const key = keyOf(id);
    const session = this.sessions.get(key);
    if (!session) return null;
    const at = this.now();
    if (at - session.lastSeen > this.idleMs || at - session.createdAt > this.maxAgeMs) {
      this.sessions.delete(key);
      return null;
    }
    session.lastSeen = at;
    return session;
  }

  delete(id: string | undefined): void {
    if (id) this.sessions.delete(keyOf(id));
  }

  get size(): number {
    return this.sessions.size;
  }
}
