import { Transform, type TransformCallback } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { encodedForms, REDACTED } from '../../common/redact.js';
import type { HeaderMap } from './forward-headers.js';

const REDACTED_BYTES = Buffer.from(REDACTED);
const EMPTY = Buffer.alloc(0);

/** Every wire form of the injected values, longest first so a longer form wins a tie. */
export function echoForms(values: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const v of values) for (const f of encodedForms(v)) forms.add(f);
  return [...forms].sort((a, b) => b.length - a.length);
}

/** Text-like bodies an upstream could echo a credential in; binary types are left alone. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return true;
  return /^\s*(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|x-www-form-urlencoded|x-ndjson|ndjson|graphql)\b|multipart\/form-data)/i.test(
    contentType,
  );
}

/** A decoder for a single content-coding we can undo, null for identity, undefined when unknown. */
export function decoderFor(encoding: string | undefined): Transform | null | undefined {
  const e = (encoding ?? '').trim().toLowerCase();
  if (e === '' || e === 'identity') return null;
  if (e === 'gzip' || e === 'x-gzip') return createGunzip();
  if (e === 'deflate') return createInflate();
  if (e === 'br') return createBrotliDecompress();
  return undefined;
}

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
 * Replaces every wire form of the injected values with `[REDACTED]` in a streamed body.
 * Only the bytes that could be the start of a form split across chunks are held back, so
 * an SSE event (which ends in a newline no form contains) still leaves at once.
 */
export class EchoRedactTransform extends Transform {
  redacted = false;
  private readonly forms: Buffer[];
  private tail: Buffer = EMPTY;

  constructor(forms: readonly string[]) {
    super();
    this.forms = forms.map((f) => Buffer.from(f));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const buf = this.tail.length > 0 ? Buffer.concat([this.tail, chunk]) : chunk;
    this.tail = EMPTY;
    this.scan(buf, false);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.tail.length > 0) this.scan(this.tail, true);
    this.tail = EMPTY;
    cb();
  }

  private scan(buf: Buffer, final: boolean): void {
    let pos = 0;
    for (;;) {
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
        if (best > pos) this.push(buf.subarray(pos, best));
        this.tail = Buffer.from(buf.subarray(best));
        return;
      }
      if (best > pos) this.push(buf.subarray(pos, best));
      this.push(REDACTED_BYTES);
      this.redacted = true;
      pos = best + bestLen;
    }
    const keep = final ? 0 : partialSuffix(buf, pos, this.forms);
    if (buf.length - keep > pos) this.push(buf.subarray(pos, buf.length - keep));
    if (keep > 0) this.tail = Buffer.from(buf.subarray(buf.length - keep));
  }

  private couldGrow(buf: Buffer, at: number, len: number): boolean {
    const rest = buf.length - at;
    return this.forms.some(
      (f) => f.length > len && f.length > rest && buf.compare(f, 0, rest, at, buf.length) === 0,
    );
  }
}

function redactText(text: string, forms: readonly string[]): string {
  let out = text;
  for (const f of forms) if (out.includes(f)) out = out.split(f).join(REDACTED);
  return out;
}

/** Response headers with every form of the values replaced; `redacted` says whether any was. */
export function redactHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  forms: readonly string[],
): { headers: HeaderMap; redacted: boolean } {
  const out: HeaderMap = {};
  let redacted = false;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      const next = value.map((v) => redactText(v, forms));
      redacted ||= next.some((v, i) => v !== value[i]);
      out[name] = next;
    } else {
      const next = redactText(value, forms);
      redacted ||= next !== value;
      out[name] = next;
    }
  }
  return { headers: out, redacted };
}
