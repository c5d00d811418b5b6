import { join } from 'node:path';
import { NanoclawError } from '../common/errors.js';
import { LOG_LEVELS, type LogLevel } from '../common/logger.js';
import type { EnvDocument } from './env-file.js';
import { readEnvFile } from './env-file-io.js';
import { crossFieldProblems, likelyTypos } from './settings-rules.js';
import { SETTING_VARIABLES, SettingsSchema, type RawSettings, type SettingName, type Settings } from './settings-schema.js';
import { PARSE_ONCE } from '../common/parse-once.js';

export { SETTING_VARIABLES, type HostPort, type Settings } from './settings-schema.js';

export type Env = Readonly<Record<string, string | undefined>>;
export type SettingSource = 'env' | 'envFile' | 'default';

/** A warning or error about the settings; `message` never contains the value of a secret. */
export interface SettingsProblem {
  variable: string | null;
  message: string;
}

export interface SettingsResult {
  /** null exactly when `errors` is not empty. */
  settings: Settings | null;
  sources: Record<SettingName, SettingSource>;
  warnings: SettingsProblem[];
  errors: SettingsProblem[];
}

export type ProjectSettings = Omit<SettingsResult, 'errors' | 'settings'> & { settings: Settings };

/** Variables whose values are never repeated in a message. */
export function isSecretVariable(name: string): boolean {
  return /(?:^|_)(?:KEY|TOKEN|SECRET|PASSWORD|PASS)(?:_|$)/i.test(name);
}

function describeSource(source: SettingSource, variable: string, doc: EnvDocument | null): string {
  if (source === 'env') return 'from the environment';
  const line = doc?.entries().findLast((e) => e.key === variable)?.line;
  return line === undefined ? 'from .env' : `from .env line ${line}`;
}

/**
 * Reads every setting from `env` first, then `.env`, then its default, and validates them:
 * zod, then cross-field rules. Pure: never prints, never exits. An empty value counts as unset.
 */
export function loadSettings(input: { env: Env; envFileDoc: EnvDocument | null }): SettingsResult {
  const { env, envFileDoc } = input;
  const raw: RawSettings = {};
  const sources = {} as Record<SettingName, SettingSource>;
  for (const [name, variable] of Object.entries(SETTING_VARIABLES) as [SettingName, string][]) {
    const fromEnv = env[variable]?.trim();
    const fromFile = envFileDoc?.get(variable)?.trim();
    raw[name] = fromEnv || fromFile || undefined;
    sources[name] = fromEnv ? 'env' : fromFile ? 'envFile' : 'default';
  }

  const warnings: SettingsProblem[] = [
    ...(envFileDoc?.warnings ?? []).map((w) => ({ variable: null, message: `.env ${w.message}` })),
    ...likelyTypos([env, envFileDoc?.toRecord() ?? {}]),
  ];
  const errors: SettingsProblem[] = [];
  const problem = (name: SettingName, reason: string): SettingsProblem => {
    const variable = SETTING_VARIABLES[name];
    const shown = isSecretVariable(variable) ? '' : ` ${JSON.stringify(raw[name])}`;
    const from = describeSource(sources[name], variable, envFileDoc);
    return { variable, message: `${variable} (${from}) has an invalid value${shown}: ${reason}` };
  };

  const logLevel = (raw.logLevel?.toLowerCase() ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    const { message } = problem('logLevel', `expected one of ${LOG_LEVELS.join(', ')}`);
    warnings.push({ variable: 'LOG_LEVEL', message: `${message}; using info` });
  }

  const parsed = SettingsSchema.safeParse(raw, PARSE_ONCE);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path[0];
      const known = typeof name === 'string' && name in SETTING_VARIABLES;
      errors.push(known ? problem(name as SettingName, issue.message) : { variable: null, message: issue.message });
    }
    return { settings: null, sources, warnings, errors };
  }
  const settings: Settings = { ...parsed.data, logLevel: LOG_LEVELS.includes(logLevel) ? logLevel : 'info' };
  const cross = crossFieldProblems(settings);
  warnings.push(...cross.warnings);
  errors.push(...cross.errors);
  return { settings: errors.length > 0 ? null : settings, sources, warnings, errors };
}

/** Loads the settings of the project in `cwd` (environment first, then `<cwd>/.env`); throws `bad_settings` on errors. */
export async function loadProjectSettings(input: { cwd: string; env: Env }): Promise<ProjectSettings> {
  const envFile = join(input.cwd, '.env');
  const result = loadSettings({ env: input.env, envFileDoc: await readEnvFile(envFile) });
  if (!result.settings) {
    const first = result.errors[0];
    throw new NanoclawError('bad_settings', result.errors.map((e) => e.message).join('\n'), {
      hint:
        `Fix ${first?.variable ?? 'the setting'} in ${envFile} (or in your shell environment, which wins over .env), ` +
        'then run the command again.',
      details: { variables: result.errors.map((e) => e.variable) },
    });
  }
  return { settings: result.settings, sources: result.sources, warnings: result.warnings };
}
