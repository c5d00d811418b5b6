import { NanoclawError } from '../common/errors.js';
import { serializeEnvFile, type EnvDocument } from '../config/env-file.js';
import { readEnvFile } from '../config/env-file-io.js';

export interface MigrationEnv {
  doc: EnvDocument;
  /** The file's text exactly as read: the migration rewrites it only if it is still this. */
  text: string;
}

// A broken quote changes what the following lines mean, so a migration could move the wrong value.
// A line that is merely not an assignment is kept byte for byte and reported in the plan instead.
const BLOCKING = new Set(['unterminated_quote', 'text_after_quote']);

/** Reads `.env` for a migration; throws `no_env_file`, or `bad_env_file` naming the line when a quote is broken. */
export async function readMigrationEnv(path: string): Promise<MigrationEnv> {
  const doc = await readEnvFile(path);
  if (!doc) {
    throw new NanoclawError('no_env_file', `There is no .env at ${path}, so there is nothing to migrate`, {
      hint: 'Run ncl init-onecli in your NanoClaw project directory (the one holding .env), or ncl setup for a new install',
    });
  }
  const bad = doc.warnings.filter((w) => BLOCKING.has(w.code));
  const first = bad[0];
  if (first) {
    const more = bad.length > 1 ? ` (and ${bad.length - 1} more: lines ${bad.slice(1).map((w) => w.line).join(', ')})` : '';
    throw new NanoclawError('bad_env_file', `${path}, ${first.message}${more}; nothing was changed`, {
      hint: `Fix line ${first.line} of ${path} (close the quote, or comment the line out with #), then run ncl init-onecli again`,
      details: { lines: bad.map((w) => w.line) },
    });
  }
  return { doc, text: serializeEnvFile(doc) };
}
