import type { IncomingHttpHeaders } from 'node:http';

// Headers Node keeps only the first of (http `matchKnownFields`): the forwarding code was written
// against Node's `req.headers`, so the native path builds the same object.
const FIRST_ONLY = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/** `[name, value, …]` → Node's `IncomingMessage.headers`: lower-cased, duplicates combined as Node does. */
export function nodeHeaders(raw: readonly string[]): IncomingHttpHeaders {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    const prior = out[name];
    if (prior === undefined) out[name] = name === 'set-cookie' ? [value] : value;
    else if (name === 'set-cookie') (prior as string[]).push(value);
    else if (FIRST_ONLY.has(name)) continue;
    else out[name] = `${prior as string}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return out as IncomingHttpHeaders;
}
