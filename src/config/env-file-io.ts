import { readFile, realpath } from 'node:fs/promises';
import { writeFileAtomic } from '../common/atomic-write.js';
import { NanoclawError, errorMessage } from '../common/errors.js';
import { parseEnvFile, serializeEnvFile, type EnvDocument } from './env-file.js';

interface FileText {
  text: string;
  /** latin1 when the bytes are not valid UTF-8: it maps every byte to one char and back, so none is lost. */
  encoding: 'utf8' | 'latin1';
}

async function readText(path: string): Promise<FileText | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new NanoclawError('env_file_unreadable', `Cannot read ${path}: ${errorMessage(err)}`, {
      hint: `Check that ${path} is a readable file (ls -l ${path}).`,
      cause: err,
    });
  }
  try {
    // ignoreBOM keeps a byte-order mark in the text, so it is written back too.
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), encoding: 'utf8' };
  } catch {
    return { text: bytes.toString('latin1'), encoding: 'latin1' };
  }
}

/** Reads and parses a `.env` file; null when it does not exist. */
export async function readEnvFile(path: string): Promise<EnvDocument | null> {
  const file = await readText(path);
  return file === null ? null : parseEnvFile(file.text);
}

/**
 * Applies `edit` to the parsed file (an empty document when absent) and writes the result
 * atomically: a crash leaves the old bytes or the new ones. The file keeps its mode; a new
 * file gets 0600. Nothing is written when the edit changes no byte. Returns the new document.
 */
export async function updateEnvFile(
  path: string,
  edit: (doc: EnvDocument) => void | Promise<void>,
): Promise<EnvDocument> {
  const file = await readText(path);
  const before = file?.text ?? '';
  const doc = parseEnvFile(before);
  await edit(doc);
  const after = serializeEnvFile(doc);
  if (after === before) return doc;
  if (file?.encoding === 'latin1' && /[^\u0000-\u00ff]/.test(after)) {
    throw new NanoclawError('env_file_encoding', `Cannot write ${path}: it is not UTF-8 and the new text is not Latin-1`, {
      hint: `Convert ${path} to UTF-8 (iconv -f latin1 -t utf-8), then run the command again.`,
    });
  }
  // Through a symlink, replace the file it points to rather than the link itself.
  const target = await realpath(path).catch(() => path);
  try {
    // writeFileAtomic keeps an existing file's mode and uses 0600 for a new one.
    await writeFileAtomic(target, Buffer.from(after, file?.encoding ?? 'utf8'));
  } catch (err) {
    throw new NanoclawError('env_file_unwritable', `Cannot write ${path}: ${errorMessage(err)}`, {
      hint: `Check the permissions of ${path} and its directory.`,
      cause: err,
    });
  }
  return doc;
}
