import type { IncomingMessage } from 'node:http';
import { NanoclawError } from '../../../common/errors.js';
import { readBodyBytes } from '../http-io.js';

const FORM_LIMIT = 128 * 1024;

/** Reads an `application/x-www-form-urlencoded` body (the only kind the dashboard's forms send). */
export async function readForm(req: IncomingMessage, limit = FORM_LIMIT): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new NanoclawError('unsupported_media_type', 'Dashboard forms are sent as application/x-www-form-urlencoded', {
      details: { status: 415 },
    });
  }
  return new URLSearchParams((await readBodyBytes(req, limit)).toString('utf8'));
}

/** A trimmed field, or undefined when absent or blank. */
export function field(form: URLSearchParams, name: string): string | undefined {
  const value = form.get(name)?.trim();
  return value ? value : undefined;
}
