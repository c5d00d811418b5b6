import { Transform, type TransformCallback } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { REDACTED } from '../../common/redact.js';
import { EchoScanner, type EchoForms } from './echo-scanner.js';
import type { HeaderMap } from './forward-headers.js';

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

/** The echo scanner as a stream, for bodies that pass through other streams (decoders). */
export class EchoRedactTransform extends Transform {
  private readonly scanner: EchoScanner;
  private readonly pushOut = (b: Buffer): void => void this.push(b);

  constructor(forms: EchoForms) {
    super();
    this.scanner = new EchoScanner(forms);
  }

  get redacted(): boolean {
    return this.scanner.redacted;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.scanner.feed(chunk, this.pushOut);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.scanner.end(this.pushOut);
    cb();
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
  for (const name in headers) {
    const value = headers[name];
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
