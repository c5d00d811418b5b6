import type { LeafEntry } from '../../ca/leaf-cache.js';
import type { NativeTls } from './native-tls.js';

/**
 * The native server context of each leaf the LeafCache holds, made once per leaf (a renewed
 * leaf gets a new one, and the old one is freed) and bounded like the cache itself.
 */
export class NativeLeafContexts {
  private readonly native: NativeTls;
  private readonly max: number;
  private readonly byHost = new Map<string, { entry: LeafEntry; context: number }>();

  constructor(native: NativeTls, max = 1000) {
    this.native = native;
    this.max = max;
  }

  contextFor(entry: LeafEntry): number {
    const known = this.byHost.get(entry.host);
    if (known?.entry === entry) return known.context;
    if (known) this.native.freeContext(known.context);
    this.byHost.delete(entry.host);
    const context = this.native.serverContext({ certPem: entry.certPem, keyPem: entry.keyPem });
    this.byHost.set(entry.host, { entry, context });
    for (const [host, oldest] of this.byHost) {
      if (this.byHost.size <= this.max) break;
      this.native.freeContext(oldest.context);
      this.byHost.delete(host);
    }
    return context;
  }

  /** Frees every context (connections still open keep theirs alive). */
  clear(): void {
    for (const { context } of this.byHost.values()) this.native.freeContext(context);
    this.byHost.clear();
  }
}
