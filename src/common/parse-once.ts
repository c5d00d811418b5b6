import type { z } from 'zod';

/**
 * Parse options for a value a process parses once (a settings file, one answer of the vault): zod's
 * JIT compiles a parser for an object schema on its first parse, which costs a short-lived command
 * more than it saves (measured on the launch's schemas: about 3× the interpreted parse).
 */
export const PARSE_ONCE: z.core.ParseContext<z.core.$ZodIssue> = { jitless: true };
