import type { z } from 'zod';
import { validationError } from './api-errors.js';

/** Parses `input` with `schema` or throws a 400 that names the offending field. */
export function parseOr400<T extends z.ZodType>(schema: T, input: unknown, where = 'body'): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}
