import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { NanoclawError, errorMessage } from '../common/errors.js';
import { PLACEHOLDER } from '../common/placeholder.js';
import { stringMap } from '../common/string-map.js';
import { isSecretVariable } from './settings.js';
import { PARSE_ONCE } from '../common/parse-once.js';

/** Variables the launcher sets itself; a group may not override them (they carry the gateway and trust). */
export const RESERVED_ENV = [
  'HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy',
  'NODE_EXTRA_CA_CERTS', 'NODE_USE_ENV_PROXY', 'NODE_TLS_REJECT_UNAUTHORIZED', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
  'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO', 'GIT_SSL_NO_VERIFY', 'DENO_CERT', 'HOME',
] as const;

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const STUB_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** `512m`, `2g`, `1.5g`, or a number of bytes → bytes. */
export function parseMemory(value: string | number): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg])?i?b?\s*$/i.exec(value);
  if (!m) return null;
  const unit = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  const bytes = Math.round(Number(m[1]) * unit);
  return bytes > 0 ? bytes : null;
}

const absolutePath = z.string().min(1).refine((p) => p.startsWith('/'), 'must be an absolute path (starting with /)');

const EnvSchema = stringMap(z.string().regex(ENV_NAME, 'must be a variable name (letters, digits, _)')).superRefine((env, ctx) => {
  for (const key of Object.keys(env)) {
    // The placeholder is no credential: a client that needs the variable set gets it, the gateway puts the real value in flight.
    if (isSecretVariable(key) && env[key] !== PLACEHOLDER) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message:
          `looks like a credential; agents never hold one. Put it in the vault and grant it (ncl secrets create --name ${key} --type generic --value-stdin --host-pattern <api host>), ` +
          `and if the agent's client needs ${key} set, set it here to exactly "${PLACEHOLDER}", which the gateway replaces`,
      });
    } else if ((RESERVED_ENV as readonly string[]).includes(key)) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'is set by the launcher (proxy and CA trust) and cannot be overridden' });
    }
  }
});

export const ContainerJsonSchema = z.strictObject({
  agentGroupId: z.string().min(1).max(128).regex(IDENTIFIER, 'must be letters, digits, ., _ or - (like my-group)'),
  image: z.string().min(1).optional(),
  command: z.array(z.string()).min(1).optional(),
  env: EnvSchema.default({}),
  additionalMounts: z
    .array(
      z.strictObject({
        hostPath: z.string().min(1),
        containerPath: absolutePath,
        readonly: z.boolean().default(true),
      }),
    )
    .default([]),
  stubs: z.array(z.string().regex(STUB_NAME, 'must be a stub template name like gmail')).default([]),
  resources: z
    .strictObject({
      memory: z
        .union([z.string(), z.number()])
        .transform((v, ctx) => parseMemory(v) ?? (ctx.addIssue({ code: 'custom', message: 'expected bytes or a size like 512m or 2g' }), z.NEVER))
        .default(2 * 2 ** 30),
      cpus: z.number().positive().max(1024).default(2),
      pids: z.number().int().min(16).max(1_000_000).default(512),
    })
    .default({ memory: 2 * 2 ** 30, cpus: 2, pids: 512 }),
  allowHosts: z.array(z.string().min(1).max(253)).max(256).optional(),
});

export type ContainerJson = z.output<typeof ContainerJsonSchema>;

/** Validates parsed JSON; throws `bad_container_json` naming the file and the field path. Pure. */
export function parseContainerJson(input: unknown, file: string): ContainerJson {
  const result = ContainerJsonSchema.safeParse(input, PARSE_ONCE);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.') || '(top level)';
    return `${field}: ${issue.message}`;
  });
  const first = result.error.issues[0]?.path.map(String).join('.');
  throw new NanoclawError('bad_container_json', `${file} is invalid:\n  ${lines.join('\n  ')}`, {
    hint: `Fix ${first ? `"${first}" in ` : ''}${file}, then run the command again.`,
    details: { file, fields: result.error.issues.map((i) => i.path.map(String).join('.')) },
  });
}

/** Reads and validates `<groupsDir>/<folder>/container.json`. */
export async function loadContainerJson(input: { groupsDir: string; folder: string }): Promise<{ file: string; config: ContainerJson }> {
  if (!IDENTIFIER.test(input.folder)) {
    throw new NanoclawError('bad_group_folder', `"${input.folder}" is not a group folder name (letters, digits, ., _ or -)`, {
      hint: 'Give the name of a folder under groups/, for example: ncl launch main',
    });
  }
  const file = join(input.groupsDir, input.folder, 'container.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new NanoclawError(missing ? 'no_container_json' : 'container_json_unreadable', `Cannot read ${file} (${errorMessage(err)})`, {
      hint: missing ? `Create it with at least {"agentGroupId": "${input.folder}"}` : `Check the permissions of ${file}`,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new NanoclawError('bad_container_json', `${file} is not valid JSON (${errorMessage(err)})`, {
      hint: `Fix the JSON syntax of ${file}`,
    });
  }
  return { file, config: parseContainerJson(json, file) };
}
