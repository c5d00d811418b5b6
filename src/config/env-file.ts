import { NanoclawError } from '../common/errors.js';
import { EnvDocument, nodeText } from './env-document.js';
import { scanEnvText } from './env-parse.js';

// The one `.env` reader/writer of the project. Dialect (a dotenv superset that keeps every byte):
// - `[export ]KEY=value`, blanks allowed around `=`; keys are letters, digits, `_`, `.`, `-`.
// - 'single' and `backtick` quotes are literal; "double" quotes read \n \r \t \" \\; all three may
//   span lines. Unquoted values end at a `#` that follows a blank, and are trimmed.
// - The last assignment of a key wins. Anything else is kept byte for byte and reported as a warning.
export { EnvDocument } from './env-document.js';
export type { EnvEntry, EnvWarning, EnvWarningCode } from './env-document.js';
export { setEnvValue, removeEnvKeys } from './env-edit.js';
export { formatEnvValue } from './env-value.js';

/** Parses any text; never throws. Lines it does not understand are kept and listed in `doc.warnings`. */
export function parseEnvFile(text: string): EnvDocument {
  const { nodes, warnings } = scanEnvText(text);
  return new EnvDocument(nodes, warnings);
}

export interface StrictParseOptions {
  /** How to name the file in the error, e.g. its path. */
  source?: string;
}

/** Like parseEnvFile, but a line it does not understand is an error (`bad_env_file`) naming the line. */
export function parseEnvFileStrict(text: string, options: StrictParseOptions = {}): EnvDocument {
  const doc = parseEnvFile(text);
  const first = doc.warnings[0];
  if (first) {
    const source = options.source ?? '.env';
    const more = doc.warnings.length > 1 ? ` (and ${doc.warnings.length - 1} more)` : '';
    throw new NanoclawError('bad_env_file', `${source}, ${first.message}${more}`, {
      hint: `Fix line ${first.line} of ${source} (close the quote, or comment the line out with #), then run the command again.`,
      details: { warnings: doc.warnings.map((w) => ({ line: w.line, code: w.code })) },
    });
  }
  return doc;
}

/** The document's bytes: the parsed text exactly, plus only the edits made since. */
export function serializeEnvFile(doc: EnvDocument): string {
  return doc.nodes.map(nodeText).join('');
}
