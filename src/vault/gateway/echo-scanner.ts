import { REDACTED } from '../../common/redact.js';
import type { EchoForms } from './echo-forms.js';

export type { EchoForms } from './echo-forms.js';

const REDACTED_BYTES = Buffer.from(REDACTED);
/** What an echo in a body (or a WebSocket payload) is overwritten with, byte for byte. */
export const ECHO_FILL = 0x2a; // '*'
const EMPTY = Buffer.alloc(0);

/** Length of the longest proper prefix of some form that `buf` ends with (at or after `from`). */
function partialSuffix(buf: Buffer, from: number, forms: readonly Buffer[]): number {
  let keep = 0;
  for (const f of forms) {
    const first = f[0];
    for (let j = Math.max(from, buf.length - f.length + 1); j < buf.length - keep; j++) {
      if (buf[j] !== first) continue;
      const k = buf.length - j;
      if (buf.compare(f, 0, k, j, buf.length) === 0) {
        keep = k;
        break;
      }
    }
  }
  return keep;
}

/**
 * Overwrites every form of the injected values in a body fed chunk by chunk with as many `*`
 * bytes (equal length), so the bytes out always add up to the bytes in and a body keeps its
 * Content-Length; with `marker`, replaces it with `[REDACTED]` instead (text shown to a person,
 * whose length does not matter). Only bytes that could start a form split across chunks are
 * held back (and released by `end`), so an SSE event (which ends in a newline no form contains)
 * still leaves at once. Pure: no streams.
 */
export class EchoScanner {
  redacted = false;
  private readonly forms: readonly Buffer[];
  private readonly search: readonly Buffer[];
  /** Sliced per echo: the fill for equal length, or the whole marker. */
  private readonly fill: Buffer;
  private readonly marker: boolean;
  private tail: Buffer = EMPTY;

  constructor(forms: EchoForms, o: { marker?: boolean } = {}) {
    this.forms = forms.bytes;
    this.search = forms.search;
    this.marker = o.marker === true;
    this.fill = this.marker ? REDACTED_BYTES : Buffer.alloc(Math.max(0, ...forms.bytes.map((f) => f.length)), ECHO_FILL);
  }

  /** Scans the next chunk; `emit` receives the bytes that may leave now, in order. */
  feed(chunk: Buffer, emit: (b: Buffer) => void): void {
    const buf = this.tail.length > 0 ? Buffer.concat([this.tail, chunk]) : chunk;
    this.tail = EMPTY;
    this.scan(buf, false, emit);
  }

  /** Releases what was held back at the end of the body. */
  end(emit: (b: Buffer) => void): void {
    if (this.tail.length > 0) this.scan(this.tail, true, emit);
    this.tail = EMPTY;
  }

  private scan(buf: Buffer, final: boolean, emit: (b: Buffer) => void): void {
    let pos = 0;
    // Most pieces hold no form: a few searches say so (every form contains one of `search`).
    const any = this.search.some((f) => buf.indexOf(f) !== -1);
    while (any) {
      let best = -1;
      let bestLen = 0;
      for (const f of this.forms) {
        const i = buf.indexOf(f, pos);
        if (i !== -1 && (best === -1 || i < best)) {
          best = i;
          bestLen = f.length;
        }
      }
      if (best === -1) break;
      // A shorter form at the very end may be the start of a longer one (base64 before its
      // padding): wait for the next chunk rather than leave the padding behind.
      if (!final && this.couldGrow(buf, best, bestLen)) {
        if (best > pos) emit(buf.subarray(pos, best));
        this.tail = Buffer.from(buf.subarray(best));
        return;
      }
      if (best > pos) emit(buf.subarray(pos, best));
      emit(this.marker ? this.fill : this.fill.subarray(0, bestLen));
      this.redacted = true;
      pos = best + bestLen;
    }
    const keep = final ? 0 : partialSuffix(buf, pos, this.forms);
    if (buf.length - keep > pos) emit(pos === 0 && keep === 0 ? buf : buf.subarray(pos, buf.length - keep));
    if (keep > 0) this.tail = Buffer.from(buf.subarray(buf.length - keep));
  }

  private couldGrow(buf: Buffer, at: number, len: number): boolean {
    const rest = buf.length - at;
    return this.forms.some(
      (f) => f.length > len && f.length > rest && buf.compare(f, 0, rest, at, buf.length) === 0,
    );
  }
}
