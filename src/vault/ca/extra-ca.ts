import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { NanoclawError } from '../../common/errors.js';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** What is wrong with a PEM bundle of CA certificates, or null when every block parses. Pure. */
export function caBundleProblem(text: string): string | null {
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) return 'it holds no PEM certificate (-----BEGIN CERTIFICATE-----)';
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return `certificate ${i + 1} of ${blocks.length} is not a valid X.509 certificate`;
    }
  }
  return null;
}

const READ_PROBLEMS: Record<string, string> = {
  ENOENT: 'does not exist',
  EACCES: 'cannot be read by this user (permission denied)',
  EISDIR: 'is a directory, not a PEM file',
};

/**
 * Reads the private upstream CAs the gateway also trusts. Any file that is missing, unreadable or
 * not a PEM certificate bundle fails the start with `bad_extra_ca`, naming `setting` and the file.
 */
export async function loadExtraCaFiles(files: string[], setting = 'NANOCLAW_EXTRA_CA_CERTS'): Promise<string[]> {
  const fail = (file: string, problem: string, cause?: unknown) =>
    new NanoclawError('bad_extra_ca', `${setting} names ${file}, which ${problem}`, {
      hint: `Fix ${setting} (paths of PEM CA certificate files, separated by commas or colons) or unset it`,
      ...(cause === undefined ? {} : { cause }),
      details: { setting, file },
    });
  const out: string[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw fail(file, READ_PROBLEMS[err.code ?? ''] ?? `cannot be read (${err.code ?? err.message})`, err);
    });
    const problem = caBundleProblem(text);
    if (problem) throw fail(file, `is not usable: ${problem}`);
    out.push(text);
  }
  return out;
}
