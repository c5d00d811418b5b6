/** Every wire form of some values, as bytes (bodies) and as the latin1 text of those bytes (heads), longest first. */
export interface EchoForms {
  text: string[];
  bytes: Buffer[];
  /**
   * The forms that contain no other form: a body holds some form only if it holds one of these,
   * so a scanner looks for these first and for all of them only when one is there.
   */
  search: Buffer[];
  /** `search` as latin1 text, for heads. */
  searchText: string[];
}

/** `bytes` (distinct) without the forms that contain a shorter one. */
export function searchForms(bytes: readonly Buffer[]): Buffer[] {
  return bytes.filter((f) => !bytes.some((g) => g.length < f.length && f.includes(g)));
}

// Shorter forms would match by chance in ordinary bodies (a base64 core of a short value).
const MIN_FORM_LENGTH = 4;

/**
 * The characters of `bytes` base64-encoded after 0, 1 and 2 bytes of anything: an echo inside a
 * longer encoded string (`x:` + value, a JSON document) shows only these, whatever surrounds it.
 */
function base64Cores(bytes: Buffer, encoding: 'base64' | 'base64url'): string[] {
  const cores: string[] = [];
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString(encoding);
    cores.push(encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6)));
  }
  return cores;
}

/** `encodeURIComponent` on bytes (equal to it for UTF-8, defined for latin1 too), or with `form` as form data writes it (URLSearchParams). */
function percentEncoded(bytes: Buffer, form = false): string {
  const kept = form ? /[A-Za-z0-9*\-_.]/ : /[A-Za-z0-9\-_.!~*'()]/;
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += kept.test(c) ? c : form && b === 0x20 ? '+' : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The forms of one byte string: raw, base64 (padded, unpadded, url, and at every alignment), URL-encoded; as latin1 text. */
function formsOfBytes(bytes: Buffer): string[] {
  const b64 = bytes.toString('base64');
  const percent = percentEncoded(bytes);
  return [
    // Also as form data writes it, and with lower-case hex, as some servers re-encode.
    percentEncoded(bytes, true),
    percent.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
    bytes.toString('latin1'),
    b64,
    b64.replace(/=+$/, ''),
    bytes.toString('base64url'),
    ...base64Cores(bytes, 'base64'),
    ...base64Cores(bytes, 'base64url'),
    percent,
  ];
}

/** The credential part of a header value: after an auth scheme (`Bearer x`, `Basic x`), else the whole value. */
function credentialOf(field: string): string {
  const scheme = /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*[ \t]+(\S+)[ \t]*$/.exec(field);
  return scheme ? scheme[1]! : field;
}

/**
 * The forms of `values` (each in UTF-8 and in latin1, the encoding heads are written in) and of
 * the exact header values the gateway wrote around them (`fields`, as latin1 bytes): the field
 * itself, its credential (a Basic pair's base64) and that credential decoded, each in every form.
 * Deriving forms from what was sent covers any way of wrapping the value, present or future.
 */
export function echoForms(values: readonly string[], fields: readonly string[] = []): EchoForms {
  // Sources as latin1 text of their bytes; `Buffer.from(s, 'latin1')` is what a head write sends.
  const latin1 = (s: string): string => Buffer.from(s, 'latin1').toString('latin1');
  const sources = new Set<string>();
  for (const v of values) {
    sources.add(Buffer.from(v, 'utf8').toString('latin1'));
    sources.add(latin1(v));
  }
  for (const raw of fields) {
    const field = latin1(raw);
    sources.add(field);
    const credential = credentialOf(field);
    sources.add(credential);
    if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(credential)) sources.add(Buffer.from(credential, 'base64').toString('latin1'));
  }
  const set = new Set<string>();
  for (const s of sources) {
    for (const f of formsOfBytes(Buffer.from(s, 'latin1'))) if (f.length >= MIN_FORM_LENGTH) set.add(f);
  }
  const text = [...set].sort((a, b) => b.length - a.length);
  const bytes = text.map((f) => Buffer.from(f, 'latin1'));
  const search = searchForms(bytes);
  return { text, bytes, search, searchText: search.map((b) => b.toString('latin1')) };
}
