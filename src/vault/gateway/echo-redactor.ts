import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { REDACTED } from '../../common/redact.js';
import type { EchoForms } from './echo-scanner.js';

/** A decoder for a single content-coding we can undo, null for identity, undefined when unknown. */
export function decoderFor(encoding: string | undefined): Transform | null | undefined {
  const e = (encoding ?? '').trim().toLowerCase();
  if (e === '' || e === 'identity') return null;
  if (e === 'gzip' || e === 'x-gzip') return createGunzip();
  if (e === 'deflate') return createInflate();
  if (e === 'br') return createBrotliDecompress();
  return undefined;
}

/** `text` with every form replaced by `[REDACTED]` (the whole list searched only when a `search` form is there). */
export function redactText(text: string, forms: Pick<EchoForms, 'text' | 'searchText'>): string {
  if (!forms.searchText.some((f) => text.includes(f))) return text;
  let out = text;
  for (const f of forms.text) if (out.includes(f)) out = out.split(f).join(REDACTED);
  return out;
}

/** A flat `[name, value, …]` header list with every form of the values replaced in the values; the list itself when nothing matched. */
export function redactHeaderList(
  list: readonly string[],
  forms: Pick<EchoForms, 'text' | 'searchText'>,
): { headers: string[]; redacted: boolean } {
  let out: string[] | null = null;
  for (let i = 1; i < list.length; i += 2) {
    const value = list[i] ?? '';
    const next = redactText(value, forms);
    if (next === value) continue;
    out ??= [...list];
    out[i] = next;
  }
  return out ? { headers: out, redacted: true } : { headers: list as string[], redacted: false };
}
