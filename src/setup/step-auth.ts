import { text } from 'node:stream/consumers';
import { NanoclawError, UsageError } from '../common/errors.js';
import { removeEnvKeys, setEnvValue } from '../config/env-file.js';
import { updateEnvFile } from '../config/env-file-io.js';
import { loadProjectSettings } from '../config/settings.js';
import type { CreateSecretBody } from '../vault/api/schemas.js';
import type { Secret } from '../vault/model/records.js';
import { ANTHROPIC_HOST, anthropicSecret, checkToken, customEndpointSecret, type TokenKind } from './anthropic-token.js';
import { projectVault } from './project-vault.js';
import type { AuthMode } from './setup-options.js';
import { findClaude, runClaudeSetupToken } from './setup-token.js';
import type { SetupContext, SetupStep } from './types.js';

const canAsk = (ctx: SetupContext) => ctx.io.asker.interactive && !ctx.options.yes;

/** The secret that already connects Claude: for the custom endpoint's host, else an Anthropic one. Pure. */
export function existingClaudeSecret(secrets: readonly Secret[], customHost: string | undefined): Secret | undefined {
  if (customHost) return secrets.find((s) => s.hostPattern === customHost);
  return secrets.find((s) => s.type === 'anthropic' || s.hostPattern === ANTHROPIC_HOST);
}

async function askMethod(ctx: SetupContext, claude: boolean): Promise<AuthMode> {
  const choices: [AuthMode, string][] = [
    ['api-key', 'paste an Anthropic API key (sk-ant-api…)'],
    ['oauth', 'paste a Claude OAuth token (sk-ant-oat…)'],
    ...(claude ? [['setup-token', 'run claude setup-token and capture its token'] as [AuthMode, string]] : []),
    ['skip', 'skip for now'],
  ];
  const menu = choices.map(([, label], i) => `  ${i + 1}) ${label}`).join('\n');
  for (;;) {
    const answer = await ctx.io.asker.text(`How should Claude connect through the vault?\n${menu}\nChoice`, '1');
    const picked = choices[Number(answer) - 1];
    if (picked) return picked[0];
    ctx.io.stderr.write(`Answer a number from 1 to ${choices.length}\n`);
  }
}

async function pastedToken(ctx: SetupContext, kind: TokenKind | undefined): Promise<string> {
  let value: string;
  if (ctx.options.keyFromStdin) value = (await text(ctx.io.stdin)).trim();
  else if (ctx.io.asker.interactive) value = await ctx.io.asker.secret(kind === 'oauth' ? 'OAuth token (input hidden): ' : 'Anthropic API key (input hidden): ');
  else {
    throw new UsageError('No Anthropic credential given and there is no terminal to ask for one', {
      hint: 'Pipe it in: printf %s "$KEY" | ncl setup --anthropic-key-stdin … (or --auth skip)',
    });
  }
  if (value) ctx.io.logger.redactor.add(value);
  checkToken(value, kind);
  return value;
}

/** The method: --auth, else the custom endpoint settings, else a piped key, else the menu, else skip. */
async function chooseMethod(ctx: SetupContext, custom: boolean): Promise<AuthMode> {
  if (ctx.options.auth) return ctx.options.auth;
  if (custom) return 'custom';
  if (ctx.options.keyFromStdin) return 'api-key';
  if (canAsk(ctx)) return askMethod(ctx, (await findClaude(ctx.io.env)) !== null);
  return 'skip';
}

/** Auth: connects Claude through the vault, unless the vault already holds an Anthropic credential. */
export const authStep: SetupStep = {
  id: 'auth',
  title: 'Connect Claude',
  async isDone(ctx) {
    const { settings } = await loadProjectSettings({ cwd: ctx.io.cwd, env: ctx.io.env });
    const customHost = settings.anthropicBaseUrl ? new URL(settings.anthropicBaseUrl).hostname : undefined;
    const found = existingClaudeSecret((await (await projectVault(ctx)).listSecrets()).data, customHost);
    if (found) ctx.summary.auth = { status: 'present', secret: found.name, hostPattern: found.hostPattern };
    return found !== undefined;
  },
  async run(ctx, say) {
    const { settings } = await loadProjectSettings({ cwd: ctx.io.cwd, env: ctx.io.env });
    const custom = Boolean(settings.anthropicBaseUrl && settings.anthropicAuthToken);
    const method = await chooseMethod(ctx, custom);
    let body: CreateSecretBody;
    if (method === 'skip') {
      ctx.summary.auth = { status: 'skipped' };
      return say('No Claude credential stored (skipped)');
    } else if (method === 'custom') {
      if (!settings.anthropicBaseUrl || !settings.anthropicAuthToken) {
        throw new UsageError('--auth custom needs NANOCLAW_ANTHROPIC_BASE_URL and NANOCLAW_ANTHROPIC_AUTH_TOKEN', {
          hint: 'Set both in .env (or the environment), then run ncl setup --auth custom',
        });
      }
      ctx.io.logger.redactor.add(settings.anthropicAuthToken);
      body = customEndpointSecret({ baseUrl: settings.anthropicBaseUrl, token: settings.anthropicAuthToken });
    } else if (method === 'setup-token') {
      if ((await findClaude(ctx.io.env)) === null) {
        throw new NanoclawError('claude_not_found', 'claude is not on PATH, so claude setup-token cannot run', {
          hint: 'Install Claude Code (npm install -g @anthropic-ai/claude-code), or paste a token: ncl setup --auth oauth',
        });
      }
      say('Running claude setup-token (follow its instructions; the token is captured, not shown)…');
      body = anthropicSecret(await runClaudeSetupToken(ctx.io));
    } else {
      // A key piped in without --auth may be either kind; a chosen method must get its own kind.
      const inferred = ctx.options.keyFromStdin && ctx.options.auth === undefined;
      body = anthropicSecret(await pastedToken(ctx, inferred ? undefined : method));
    }
    const secret = await (await projectVault(ctx)).createSecret(body);
    if (method === 'custom' && settings.anthropicBaseUrl) {
      const baseUrl = settings.anthropicBaseUrl;
      // Agents get the URL; the token now lives only in the vault.
      await updateEnvFile(ctx.envFile, (doc) => {
        setEnvValue(doc, 'ANTHROPIC_BASE_URL', baseUrl);
        removeEnvKeys(doc, ['NANOCLAW_ANTHROPIC_AUTH_TOKEN']);
      });
    }
    say(`Stored secret "${secret.name}" for ${secret.hostPattern}`);
    ctx.summary.auth = { status: 'stored', method, secret: secret.name, hostPattern: secret.hostPattern };
  },
};
