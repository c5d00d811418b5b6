/** How an assignment's value is written in the file. */
export type EnvQuote = 'none' | 'single' | 'double' | 'backtick';

/**
 * One `KEY=value` assignment, possibly spanning several lines (a multi-line quoted value).
 * Its bytes are exactly `before + valueRaw + after + eol`; edits replace `valueRaw` only.
 */
export interface EnvEntryNode {
  kind: 'entry';
  key: string;
  /** The decoded value, as a reader of the file sees it. */
  value: string;
  quote: EnvQuote;
  /** Leading whitespace, `export `, the key, `=` and the spaces before a quoted value. */
  before: string;
  /** The value as written, quotes included. */
  valueRaw: string;
  /** What follows the value on its last line: spaces, a `# comment`, or text we did not understand. */
  after: string;
  /** `\n`, `\r\n`, or '' on a last line without a final newline. */
  eol: string;
}

/** A line that is not an assignment (blank, comment, or something we keep without understanding). */
export interface EnvRawNode {
  kind: 'raw';
  /** The line's bytes, line ending included. */
  raw: string;
}

export type EnvNode = EnvEntryNode | EnvRawNode;

export type EnvWarningCode = 'not_assignment' | 'unterminated_quote' | 'text_after_quote';

/** Something the parser kept but did not fully understand. Never contains a value. */
export interface EnvWarning {
  line: number;
  code: EnvWarningCode;
  message: string;
}

export interface EnvEntry {
  key: string;
  value: string;
  /** 1-based line where the assignment starts, in the document as it is now. */
  line: number;
}

/** The bytes a node stands for. */
export function nodeText(node: EnvNode): string {
  return node.kind === 'raw' ? node.raw : node.before + node.valueRaw + node.after + node.eol;
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * A parsed `.env` file that keeps every byte: serializing it gives back the input exactly,
 * and the edit functions of env-file.ts touch only the lines they change.
 */
export class EnvDocument {
  readonly nodes: EnvNode[];
  /** Warnings from parsing, with the line numbers of the original text. */
  readonly warnings: readonly EnvWarning[];

  constructor(nodes: EnvNode[], warnings: readonly EnvWarning[] = []) {
    this.nodes = nodes;
    this.warnings = warnings;
  }

  /** The value of `key`; when it is assigned several times the last one wins, as with dotenv. */
  get(key: string): string | undefined {
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i];
      if (node?.kind === 'entry' && node.key === key) return node.value;
    }
    return undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Every assignment in file order, duplicates included. */
  entries(): EnvEntry[] {
    const out: EnvEntry[] = [];
    let line = 1;
    for (const node of this.nodes) {
      if (node.kind === 'entry') out.push({ key: node.key, value: node.value, line });
      line += countLines(nodeText(node));
    }
    return out;
  }

  /** Each assigned key once, in order of first appearance. */
  keys(): string[] {
    return [...new Set(this.entries().map((e) => e.key))];
  }

  /** The effective key → value map (last assignment wins). */
  toRecord(): Record<string, string> {
    // No prototype: a key named `__proto__` is a plain entry, not a prototype change.
    const out = Object.create(null) as Record<string, string>;
    for (const e of this.entries()) out[e.key] = e.value;
    return out;
  }
}
