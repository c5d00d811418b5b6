/** One module reference found in a source file. */
export interface ImportRef {
  specifier: string;
  kind: 'import' | 'export' | 'dynamic' | 'require';
  line: number;
}

const REGEX_BEFORE = new Set('(,=:[!&|?{};+-*%<>~^'.split(''));
const REGEX_AFTER_WORDS = new Set([
  'return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do',
  'else', 'yield', 'await',
]);

interface Masked {
  /** The source with comments, regex literals and string contents blanked (same length). */
  code: string;
  /** Value of each plain string literal, by the offset of its opening quote. */
  literals: Map<number, string>;
}

/**
 * A tiny lexer: enough of TypeScript to tell code from comments, strings, templates and
 * regex literals, so that `import` text inside them is never mistaken for an import.
 */
export function maskSource(src: string): Masked {
  const out = src.split('');
  const literals = new Map<number, string>();
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let lastSig = '';
  let lastWord = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i] ?? '';
    const next = src[i + 1] ?? '';
    if (c === '/' && next === '/') {
      const end = src.indexOf('\n', i);
      const stop = end === -1 ? src.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end === -1 ? src.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      let depth = 0; // `${ … }` nesting inside a template, counted naively
      while (j < src.length) {
        const d = src[j];
        if (d === '\\') j += 2;
        else if (c === '`' && d === '$' && src[j + 1] === '{') (depth++, (j += 2));
        else if (depth > 0 && d === '}') (depth--, j++);
        else if (depth === 0 && (d === c || (c !== '`' && d === '\n'))) break;
        else j++;
      }
      const value = src.slice(i + 1, j);
      if (!(c === '`' && value.includes('${'))) literals.set(i, value);
      blank(i + 1, j);
      i = j + 1;
      lastSig = c;
      lastWord = '';
    } else if (c === '/' && (lastSig === '' || REGEX_BEFORE.has(lastSig) || REGEX_AFTER_WORDS.has(lastWord))) {
      let j = i + 1;
      let inClass = false;
      while (j < src.length && src[j] !== '\n') {
        const d = src[j];
        if (d === '\\') j++;
        else if (d === '[') inClass = true;
        else if (d === ']') inClass = false;
        else if (d === '/' && !inClass) break;
        j++;
      }
      blank(i, j + 1);
      i = j + 1;
      lastSig = '/';
      lastWord = '';
    } else {
      if (/[\w$]/.test(c)) {
        const word = /^[\w$]+/.exec(src.slice(i, i + 64))?.[0] ?? c;
        lastWord = word;
        lastSig = word.slice(-1);
        i += word.length;
        continue;
      }
      if (!/\s/.test(c)) {
        lastSig = c;
        lastWord = '';
      }
      i++;
    }
  }
  return { code: out.join(''), literals };
}

const NOT_AFTER = String.raw`(?<![\w$.])`;
const PATTERNS: Array<[ImportRef['kind'], RegExp]> = [
  ['import', new RegExp(`${NOT_AFTER}import\\s+(?:[\\w$*{},\\s]+?\\s*from\\s*)?(["'])`, 'g')],
  ['export', new RegExp(`${NOT_AFTER}export\\s+(?:type\\s+)?(?:\\*(?:\\s+as\\s+[\\w$]+)?|\\{[^}]*\\})\\s*from\\s*(["'])`, 'g')],
  ['dynamic', new RegExp(`${NOT_AFTER}import\\s*\\(\\s*(["'\`])`, 'g')],
  ['require', new RegExp(`${NOT_AFTER}require\\s*\\(\\s*(["'\`])`, 'g')],
];

/** Every static import, re-export, dynamic `import('…')` and `require('…')` with a literal specifier. */
export function scanImports(source: string): ImportRef[] {
  const { code, literals } = maskSource(source);
  const refs: ImportRef[] = [];
  for (const [kind, pattern] of PATTERNS) {
    for (const match of code.matchAll(pattern)) {
      const quoteAt = match.index + match[0].length - 1;
      const specifier = literals.get(quoteAt);
      if (specifier === undefined) continue;
      const line = code.slice(0, quoteAt).split('\n').length;
      refs.push({ specifier, kind, line });
    }
  }
  return refs.sort((a, b) => a.line - b.line);
}
