/**
 * Cutting text for display or storage so that the cut is always visible: what is left off is
 * replaced by "… (1,234 more bytes)", counted in UTF-8 bytes of the original. Pure.
 */

/** The marker that ends a cut text. */
export function cutMarker(moreBytes: number): string {
  return `… (${moreBytes.toLocaleString('en-US')} more bytes)`;
}

/**
 * `text` unchanged when it fits in `max`, else its longest start that fits together with the
 * marker, never ending inside a character. `max` counts UTF-8 bytes unless `unit` is 'units'
 * (UTF-16 units, as Telegram and JavaScript count).
 */
export function cutText(text: string, max: number, unit: 'bytes' | 'units' = 'bytes'): string {
  // A UTF-16 unit is at most three UTF-8 bytes: most texts fit without being measured (the
  // gateway cuts every audited path).
  if (text.length * 3 <= max) return text;
  const size = (t: string): number => (unit === 'bytes' ? Buffer.byteLength(t) : t.length);
  if (size(text) <= max) return text;
  const total = Buffer.byteLength(text);
  let end = 0; // UTF-16 index of the kept start
  let keptBytes = 0;
  let keptSize = 0;
  for (const ch of text) {
    const bytes = Buffer.byteLength(ch);
    const grown = keptSize + (unit === 'bytes' ? bytes : ch.length);
    if (grown + size(cutMarker(total - keptBytes - bytes)) > max) break;
    end += ch.length;
    keptBytes += bytes;
    keptSize = grown;
  }
  return text.slice(0, end) + cutMarker(total - keptBytes);
}
