import type { ServerResponse } from 'node:http';
import type { z } from 'zod';
import { NanoclawError } from '../../common/errors.js';
import type { ApiError } from './schemas.js';
import { sendJson } from './http-io.js';

const STATUS_BY_CODE: Record<string, number> = {
  validation_error: 400,
  invalid_json: 400,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
};

/** A 400 naming the first offending field, from a zod error. */
export function validationError(error: z.ZodError, where = 'body'): NanoclawError {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  const label = field ? `${where}.${field}` : where;
  const message = issue ? `${label}: ${issue.message}` : `${where} is invalid`;
  return new NanoclawError('validation_error', message, { details: { field: field || where } });
}

export function notFound(what: string, id: string): NanoclawError {
  return new NanoclawError('not_found', `No ${what} with id ${id}`, {
    hint: `List them with: ncl ${what}s list`,
  });
}

/** Writes any thrown thing as `{error, code, message}`; unknown errors become a 500 without detail. */
export function sendError(res: ServerResponse, err: unknown): number {
  if (err instanceof NanoclawError) {
    const status = (err.details?.status as number | undefined) ?? STATUS_BY_CODE[err.code] ?? 400;
    const body: ApiError = { error: err.code, code: err.code, message: err.message };
    if (typeof err.details?.field === 'string') body.field = err.details.field;
    if (err.hint) body.hint = err.hint;
    sendJson(res, status, body);
    return status;
  }
  sendJson(res, 500, {
    error: 'internal_error',
    code: 'internal_error',
    message: 'The vault hit an unexpected error; see its log',
  });
  return 500;
}
