const MARK = 'sk-ant-';
const COMPLETE = /sk-ant-[A-Za-z0-9_-]+(?=[^A-Za-z0-9_-])/g;
const OPEN_AT_END = /sk-ant-[A-Za-z0-9_-]*$/;
export const MASKED = '[token captured, not shown]';

/**
 * Passes a child's terminal output through with every `sk-ant-…` token replaced, chunk by
 * chunk: a tail that may be the start of a token is held back until the next chunk shows
 * where it ends, so a token split across chunks is never printed either.
 */
export class TokenMask {
  private pending = '';

  /** The printable part of `chunk`. */
  push(chunk: string): string {
    const text = (this.pending + chunk).replace(COMPLETE, MASKED);
    const hold = holdFrom(text);
    this.pending = text.slice(hold);
    return text.slice(0, hold);
  }

  /** What is left at the end of the output (an unterminated token is masked too). */
  flush(): string {
    const rest = this.pending.replace(OPEN_AT_END, MASKED);
    this.pending = '';
    return rest;
  }
}

/** Index from which `text` may still grow into a token: an open token, or a partial "sk-ant-". */
function holdFrom(text: string): number {
  const open = OPEN_AT_END.exec(text);
  if (open) return open.index;
  for (let n = Math.min(MARK.length - 1, text.length); n > 0; n--) {
    if (MARK.startsWith(text.slice(-n))) return text.length - n;
  }
  return text.length;
}
