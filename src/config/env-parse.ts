import { nodeText, type EnvEntryNode, type EnvNode, type EnvQuote, type EnvWarning } from './env-document.js';
import { decodeQuoted } from './env-value.js';

// Leading blanks (and a byte-order mark), an optional `export `, the key, blanks, `=`.
// Keys are what dotenv accepts: letters, digits, `_`, `.` and `-`.
const ASSIGNMENT = /^([ \t\uFEFF]*(?:export[ \t]+)?)([\w.-]+)([ \t]*=)/;
const QUOTES: Record<string, Exclude<EnvQuote, 'none'>> = { "'": 'single', '"': 'double', '`': 'backtick' };
const BLANK_OR_COMMENT = /^[\s\uFEFF]*(?:#[\s\S]*)?$/;
const ONLY_COMMENT = /^\s*(?:#[\s\S]*)?$/;

interface Line {
  content: string;
  eol: string;
  next: number;
}

/** The line that starts at `start`: its text without the line ending, the ending, where the next begins. */
function lineAt(text: string, start: number): Line {
  const nl = text.indexOf('\n', start);
  if (nl === -1) return { content: text.slice(start), eol: '', next: text.length };
  const crlf = nl > start && text[nl - 1] === '\r';
  return { content: text.slice(start, crlf ? nl - 1 : nl), eol: crlf ? '\r\n' : '\n', next: nl + 1 };
}

/** Index of the quote closing the one before `from`, or -1. Only double quotes know escapes. */
function findClosingQuote(text: string, from: number, quote: string): number {
  if (quote !== '"') return text.indexOf(quote, from);
  if (text.lastIndexOf('"') < from) return -1; // avoids rescanning the tail after each unclosed quote
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

function countNewlines(text: string): number {
  return text.split('\n').length - 1;
}

/**
 * Splits `text` into nodes whose bytes concatenate back to `text` exactly. Never throws:
 * whatever it does not understand is kept as it is and reported in `warnings`.
 */
export function scanEnvText(text: string): { nodes: EnvNode[]; warnings: EnvWarning[] } {
  const nodes: EnvNode[] = [];
  const warnings: EnvWarning[] = [];
  let pos = 0;
  let lineNo = 1;
  while (pos < text.length) {
    const line = lineAt(text, pos);
    const m = ASSIGNMENT.exec(line.content);
    let node: EnvNode;
    if (!m) {
      node = { kind: 'raw', raw: text.slice(pos, line.next) };
      if (!BLANK_OR_COMMENT.test(line.content)) {
        const message = `line ${lineNo}: not a KEY=value assignment; kept as it is`;
        warnings.push({ line: lineNo, code: 'not_assignment', message });
      }
    } else {
      node = scanAssignment({ text, pos, line, head: m[0], key: m[2] ?? '', lineNo, warnings });
    }
    nodes.push(node);
    const end = pos + nodeText(node).length;
    lineNo += countNewlines(text.slice(pos, end));
    pos = end;
  }
  return { nodes, warnings };
}

interface AssignmentInput {
  text: string;
  pos: number;
  line: Line;
  head: string;
  key: string;
  lineNo: number;
  warnings: EnvWarning[];
}

function scanAssignment(input: AssignmentInput): EnvEntryNode {
  const { text, pos, line, head, key, lineNo, warnings } = input;
  const rest = line.content.slice(head.length);
  const blanks = /^[ \t]*/.exec(rest)?.[0].length ?? 0;
  const quote = QUOTES[rest[blanks] ?? ''];
  if (quote) {
    const open = pos + head.length + blanks;
    const close = findClosingQuote(text, open + 1, rest[blanks] ?? '');
    if (close !== -1) {
      const tail = lineAt(text, close + 1);
      const closeLine = lineNo + countNewlines(text.slice(open, close));
      if (!ONLY_COMMENT.test(tail.content)) {
        warnings.push({
          line: closeLine,
          code: 'text_after_quote',
          message: `line ${closeLine}: unexpected text after the closing quote of ${key}; ignored`,
        });
      }
      return {
        kind: 'entry',
        key,
        value: decodeQuoted(text.slice(open + 1, close), quote),
        quote,
        before: text.slice(pos, open),
        valueRaw: text.slice(open, close + 1),
        after: tail.content,
        eol: tail.eol,
      };
    }
    warnings.push({
      line: lineNo,
      code: 'unterminated_quote',
      message: `line ${lineNo}: the value of ${key} opens a quote that is never closed; read as an unquoted value`,
    });
  }
  // Unquoted: a `#` at the start of the value or after a blank begins a comment.
  const hash = rest.search(/(?:^|[ \t])#/);
  const valuePart = hash === -1 ? rest : rest.slice(0, hash);
  const value = valuePart.slice(blanks).replace(/\s+$/, '');
  const split = value === '' ? head.length : head.length + blanks;
  return {
    kind: 'entry',
    key,
    value,
    quote: 'none',
    before: line.content.slice(0, split),
    valueRaw: value,
    after: line.content.slice(split + value.length),
    eol: line.eol,
  };
}
