/** Replacement text for anything secret. */
export const REDACTED = '[REDACTED]';

// Shapes of credentials that are redacted even when nobody registered them:
// a secret the process never saw decrypted must still not leak through a log line.
const TOKEN_SHAPES: RegExp[] = [
  /sk-ant-[A-Za-z0-9_-]{8,}/g,
  /\b(?:aoc|oc)_[0-9a-f]{32,}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\bsk-[A-Za-z0-9_-]{20,}\b/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g,
];

const MIN_SECRET_LENGTH = 4;

/** The forms a value takes on the wire: raw, base64, base64url and URL-encoded. */
export function encodedForms(value: string): string[] {
  const forms = new Set<string>([value]);
  const b64 = Buffer.from(value).toString('base64');
  forms.add(b64);
  forms.add(b64.replace(/=+$/, ''));
  forms.add(Buffer.from(value).toString('base64url'));
  forms.add(encodeURIComponent(value));
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Knows every value the process holds as secret and removes them from text.
 * One instance is built by a composition root and shared by the logger and the store.
 */
export class Redactor {
  private readonly forms = new Set<string>();
  private pattern: RegExp | null = null;

  /** Registers a secret value (and its encodings) for redaction. */
  add(value: string | undefined | null): void {
    if (!value || value.length < MIN_SECRET_LENGTH) return;
    const before = this.forms.size;
    for (const form of encodedForms(value)) this.forms.add(form);
    if (this.forms.size !== before) this.pattern = null;
  }

  get size(): number {
    return this.forms.size;
  }

  /** Returns `text` with every known secret and every credential-shaped token replaced. */
  redact(text: string): string {
    let out = text;
    if (this.forms.size > 0) {
      // Longest first, so a value is not half-replaced by a shorter encoding of another.
      this.pattern ??= new RegExp(
        [...this.forms].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'),
        'g',
      );
      out = out.replace(this.pattern, REDACTED);
    }
    for (const shape of TOKEN_SHAPES) out = out.replace(shape, REDACTED);
    return out;
  }
}
