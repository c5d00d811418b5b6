import type { EnvQuote } from './env-document.js';

// Characters that every common reader (dotenv, docker compose, a POSIX shell sourcing the file)
// takes literally when unquoted. Anything else gets quotes.
const SAFE_UNQUOTED = /^[A-Za-z0-9_.\-:/@%+,=~]*$/;

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/**
 * The value inside a pair of quotes, as a reader sees it. Single quotes and backticks are
 * literal; double quotes understand `\n`, `\r`, `\t`, `\"` and `\\` (any other backslash is kept).
 * Line breaks inside quotes read as `\n` whatever the file's line endings, as with dotenv.
 */
export function decodeQuoted(inner: string, quote: Exclude<EnvQuote, 'none'>): string {
  const text = inner.replace(/\r\n/g, '\n');
  if (quote !== 'double') return text;
  return text.replace(/\\([\s\S])/g, (whole, ch: string) => ESCAPES[ch] ?? whole);
}

function encodeDouble(value: string): string {
  const body = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r');
  return `"${body}"`;
}

function fits(value: string, quote: EnvQuote): boolean {
  switch (quote) {
    case 'none':
      return SAFE_UNQUOTED.test(value);
    case 'single':
      return !/['\r\n]/.test(value);
    case 'backtick':
      return !/[`\r\n]/.test(value);
    case 'double':
      return true;
  }
}

/**
 * How to write `value`: in the `preferred` style when it reads back exactly, else unquoted when
 * safe, else single quotes, else double quotes with escapes. The result always decodes to `value`.
 */
export function formatEnvValue(
  value: string,
  preferred: EnvQuote = 'none',
): { valueRaw: string; quote: EnvQuote } {
  const order: EnvQuote[] = [preferred, 'none', 'single', 'double'];
  const quote = order.find((q) => fits(value, q)) ?? 'double';
  switch (quote) {
    case 'none':
      return { valueRaw: value, quote };
    case 'single':
      return { valueRaw: `'${value}'`, quote };
    case 'backtick':
      return { valueRaw: `\`${value}\``, quote };
    case 'double':
      return { valueRaw: encodeDouble(value), quote };
  }
}
