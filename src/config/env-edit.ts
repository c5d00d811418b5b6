import { NanoclawError } from '../common/errors.js';
import { nodeText, type EnvDocument, type EnvEntryNode, type EnvNode } from './env-document.js';
import { scanEnvText } from './env-parse.js';
import { formatEnvValue } from './env-value.js';

const KEY = /^[\w.-]+$/;

function serialize(nodes: readonly EnvNode[]): string {
  return nodes.map(nodeText).join('');
}

/** The line ending most lines use; `\n` on a tie or an empty file. */
function dominantEol(text: string): string {
  const crlf = text.split('\r\n').length - 1;
  const lf = text.split('\n').length - 1 - crlf;
  return crlf > lf ? '\r\n' : '\n';
}

function lastEntry(doc: EnvDocument, key: string): EnvEntryNode | undefined {
  for (let i = doc.nodes.length - 1; i >= 0; i--) {
    const node = doc.nodes[i];
    if (node?.kind === 'entry' && node.key === key) return node;
  }
  return undefined;
}

function rewriteValue(node: EnvEntryNode, value: string): void {
  // A quoted value stays quoted (any value safe unquoted also fits those quotes), so whatever
  // follows a closing quote (`'v'# c`, or text we did not understand) can never join the value.
  const { valueRaw, quote } = formatEnvValue(value, node.quote);
  // `KEY=# note` given a value needs a blank before the `#`, or the comment joins the value.
  if (quote === 'none' && valueRaw !== '' && node.after.startsWith('#')) node.after = ` ${node.after}`;
  Object.assign(node, { value, valueRaw, quote });
}

function appendEntry(doc: EnvDocument, key: string, value: string): void {
  const text = serialize(doc.nodes);
  const eol = dominantEol(text);
  const last = doc.nodes.at(-1);
  if (last && !text.endsWith('\n')) {
    if (last.kind === 'raw') last.raw += eol;
    else last.eol = eol;
  }
  const { valueRaw, quote } = formatEnvValue(value);
  doc.nodes.push({ kind: 'entry', key, value, quote, before: `${key}=`, valueRaw, after: '', eol });
}

/** True when the serialized nodes read back as exactly the assignments the model holds. */
function readsBack(nodes: readonly EnvNode[]): boolean {
  const expected = nodes.filter((n) => n.kind === 'entry').map((n) => [n.key, n.value]);
  const actual = scanEnvText(serialize(nodes))
    .nodes.filter((n) => n.kind === 'entry')
    .map((n) => [n.key, n.value]);
  return JSON.stringify(expected) === JSON.stringify(actual);
}

/**
 * Sets `key` to `value`: rewrites only the value of its last assignment (keeping `export`, spacing,
 * comment and, where it reads back exactly, the quoting style), or appends `KEY=value` with the
 * file's usual line ending. Throws `bad_env_key` for an invalid key and `env_edit_unsafe` (leaving
 * `doc` unchanged) when the file has an unclosed quote that the new text would change the meaning of.
 */
export function setEnvValue(doc: EnvDocument, key: string, value: string): void {
  if (!KEY.test(key)) {
    throw new NanoclawError('bad_env_key', `Cannot write ${JSON.stringify(key)} to .env: not a valid variable name`, {
      hint: 'Use letters, digits and _ only, for example MY_API_KEY.',
    });
  }
  const saved = doc.nodes.map((n) => ({ ...n }));
  const node = lastEntry(doc, key);
  if (node) rewriteValue(node, value);
  else appendEntry(doc, key, value);
  if (!readsBack(doc.nodes)) {
    doc.nodes.splice(0, doc.nodes.length, ...saved);
    const unclosed = doc.warnings.find((w) => w.code === 'unterminated_quote');
    throw new NanoclawError('env_edit_unsafe', `Cannot write ${key} to .env without changing how other lines read`, {
      hint: unclosed
        ? `Close the quote opened on line ${unclosed.line} of .env (or comment that line out), then run the command again.`
        : 'Check .env for unbalanced quotes, then run the command again.',
    });
  }
}

/** Removes every assignment of these keys (all lines of a multi-line value) and nothing else; returns how many. */
export function removeEnvKeys(doc: EnvDocument, keys: Iterable<string>): number {
  const drop = new Set(keys);
  const kept: EnvNode[] = doc.nodes.filter((n) => n.kind !== 'entry' || !drop.has(n.key));
  const removed = doc.nodes.length - kept.length;
  // A byte-order mark belongs to the file, not to the first line: keep it when that line goes.
  const first = doc.nodes[0];
  if (first && first !== kept[0] && nodeText(first).startsWith('\uFEFF')) kept.unshift({ kind: 'raw', raw: '\uFEFF' });
  doc.nodes.splice(0, doc.nodes.length, ...kept);
  return removed;
}
