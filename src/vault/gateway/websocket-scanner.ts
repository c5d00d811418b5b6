import type { EchoForms } from './echo-forms.js';
import { ECHO_FILL } from './echo-scanner.js';

/** The payload bytes of one message (or control frame) not yet cleared, with where each sits in the stream. */
class Window {
  bytes: number[] = [];
  /** Absolute stream offset of each byte. */
  at: number[] = [];
  /** The mask byte each was sent with (0 when unmasked). */
  key: number[] = [];

  push(b: number, at: number, key: number): void {
    this.bytes.push(b);
    this.at.push(at);
    this.key.push(key);
  }

  keepLast(n: number): void {
    const drop = Math.max(0, this.bytes.length - n);
    if (drop === 0) return;
    this.bytes.splice(0, drop);
    this.at.splice(0, drop);
    this.key.splice(0, drop);
  }
}

/**
 * Scans the server-to-client side of a WebSocket for echoes of an injected value (RFC 6455
 * framing: fragmented messages, frames split across reads, masked or not, control frames between
 * fragments). A form found in a payload is overwritten in place with `*` at equal length, so no
 * frame length changes; bytes that could start a form are held until the message shows they do
 * not. A frame it cannot read as plain payload (RSV bits: a compression extension) fails the
 * stream: the caller closes the connection (1008) rather than pass unscanned bytes.
 */
export class WebSocketEchoScanner {
  redacted = false;
  /** Why the stream cannot be scanned; set once, then `feed` returns null. */
  failed: string | null = null;
  private readonly forms: readonly Buffer[];
  private readonly hold: number;
  private pending: Buffer = Buffer.alloc(0);
  /** Absolute offset of pending[0]. */
  private base = 0;
  private header: number[] = [];
  private left = 0;
  private mask: number[] | null = null;
  private maskAt = 0;
  private control = false;
  private fin = false;
  private inPayload = false;
  private readonly message = new Window();
  private readonly controlFrame = new Window();

  constructor(forms: EchoForms) {
    this.forms = forms.bytes;
    this.hold = Math.max(1, ...forms.bytes.map((f) => f.length)) - 1;
  }

  /** The bytes that may reach the agent now; null when the stream must be closed instead. */
  feed(chunk: Buffer): Buffer | null {
    if (this.failed) return null;
    const start = this.base + this.pending.length;
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (!this.inPayload) {
        this.header.push(b);
        if (!this.headerDone()) return null;
        continue;
      }
      const key = this.mask ? this.mask[this.maskAt++ & 3]! : 0;
      (this.control ? this.controlFrame : this.message).push(b ^ key, start + i, key);
      if (--this.left === 0) this.frameEnded();
    }
    this.scan(this.message);
    this.message.keepLast(this.hold);
    return this.release();
  }

  /** The upstream closed: what was held leaves (a held prefix of a form never completed). */
  end(): Buffer {
    const out = this.pending;
    this.pending = Buffer.alloc(0);
    return out;
  }

  /** Reads the header gathered so far; false when the stream fails. */
  private headerDone(): boolean {
    const h = this.header;
    if (h.length < 2) return true;
    const masked = (h[1]! & 0x80) !== 0;
    const short = h[1]! & 0x7f;
    const extra = short === 126 ? 2 : short === 127 ? 8 : 0;
    if (h.length < 2 + extra + (masked ? 4 : 0)) return true;
    if ((h[0]! & 0x70) !== 0) return this.fail('a frame with RSV bits set (a compression extension) cannot be scanned');
    let length = short;
    if (extra > 0) length = h.slice(2, 2 + extra).reduce((n, x) => n * 256 + x, 0);
    if (!Number.isSafeInteger(length)) return this.fail('a frame too long to scan');
    this.fin = (h[0]! & 0x80) !== 0;
    this.control = (h[0]! & 0x08) !== 0;
    this.mask = masked ? h.slice(2 + extra, 6 + extra) : null;
    this.maskAt = 0;
    this.left = length;
    this.header = [];
    this.inPayload = length > 0;
    if (length === 0) this.frameEnded();
    return true;
  }

  private frameEnded(): void {
    this.inPayload = false;
    if (this.control) {
      this.scan(this.controlFrame);
      this.controlFrame.keepLast(0);
    } else if (this.fin) {
      this.scan(this.message);
      this.message.keepLast(0);
    }
  }

  private fail(why: string): false {
    this.failed = why;
    return false;
  }

  /** Overwrites every form found in the window, in the pending bytes too (masked as they were sent). */
  private scan(w: Window): void {
    if (w.bytes.length === 0) return;
    const text = Buffer.from(w.bytes);
    for (const form of this.forms) {
      for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + form.length)) {
        for (let j = at; j < at + form.length; j++) {
          text[j] = ECHO_FILL;
          w.bytes[j] = ECHO_FILL;
          this.pending[w.at[j]! - this.base] = ECHO_FILL ^ w.key[j]!;
        }
        this.redacted = true;
      }
    }
  }

  /** Everything before the first byte a window still holds. */
  private release(): Buffer {
    const held = Math.min(this.message.at[0] ?? Infinity, this.controlFrame.at[0] ?? Infinity);
    const n = held === Infinity ? this.pending.length : held - this.base;
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    this.base += n;
    return out;
  }
}
