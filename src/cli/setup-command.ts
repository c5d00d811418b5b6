import { Command, Option } from 'commander';
import { loadProjectSettings } from '../config/settings.js';
import { connectDocker } from '../docker/docker-client.js';
import { AUTH_MODES, VAULT_MODES, parseSetupFlags, type SetupFlags } from '../setup/setup-options.js';
import type { SetupIo, SetupServices } from '../setup/types.js';
import { formatSummary, nextCommands } from '../setup/summary.js';
import { runSetupWizard } from '../setup/wizard.js';
import { printJson, printLine, type CliContext } from './context.js';
import { buildImages, projectImageRefs } from './images-command.js';
import { ensureProjectRelay } from './launch-gateway.js';
import { nclCommand } from './ncl-launcher.js';
import { vaultUp } from './vault-up.js';

interface Flags extends SetupFlags {
  baseImage?: string;
  buildImage?: string;
}

/** The CLI's `vault up` and image builds, handed to the wizard (setup sits below cli in the layers). */
function services(ctx: CliContext, flags: Flags): SetupServices {
  const base = { ...(flags.baseImage ? { baseImage: flags.baseImage } : {}), ...(flags.buildImage ? { buildImage: flags.buildImage } : {}) };
  return {
    installVault: async ({ recreate, progress }) => {
      const r = await vaultUp(ctx, { ...(flags.build === false ? { build: false } : {}), ...base, recreate, progress, timeoutMs: Number(flags.timeout ?? 60) * 1000 });
      return { url: r.url, container: r.container, id: r.id, action: r.action, apiKeyCreated: r.apiKeyCreated };
    },
    imageRefs: () => projectImageRefs(ctx),
    buildImages: async ({ kinds, progress }) => {
      await buildImages(ctx, { docker: await connectDocker({ env: ctx.env }), kinds, ...base, progress });
    },
    ensureRelay: async () => {
      // Read again: the vault step has just written the remote settings to .env.
      const { settings } = await loadProjectSettings({ cwd: ctx.cwd, env: ctx.env });
      const relay = await ensureProjectRelay(ctx, await connectDocker({ env: ctx.env }), settings);
      return { container: relay.name, target: relay.target, action: relay.action };
    },
  };
}

/** `ncl setup`: the wizard (prerequisites → vault → auth → first group → verify → summary). */
export function setupCommand(ctx: CliContext): Command {
  return new Command('setup')
    .description('Set up nanoclaw: vault, Claude credential and a first agent group (every question has a flag)')
    .addOption(new Option('--vault <path>', 'fresh: install the local vault (default); reuse: keep a working one; remote: NANOCLAW_ONECLI_API_HOST').choices([...VAULT_MODES]))
    .option('--reinstall', 'replace the local vault container even when a working one answers')
    .addOption(new Option('--auth <method>', 'how Claude connects (default: ask; skip under --yes without a key)').choices([...AUTH_MODES]))
    .option('--anthropic-key-stdin', 'read the Anthropic API key or OAuth token from standard input')
    .option('--group <identifier>', 'identifier (and folder under groups/) of the first agent group', 'main')
    .option('--group-name <name>', 'display name of the first agent group', 'Main agent')
    .option('--lockdown', 'turn egress lockdown on (agents reach only the gateway)')
    .option('--no-lockdown', 'turn egress lockdown off')
    .option('--no-build', 'never build images; fail when one is missing')
    .option('--base-image <image>', 'base image for image builds (a local image with Node 24 when offline)')
    .option('--build-image <image>', 'image the vault’s native TLS addon is compiled in (Node 24 with headers, g++, make, python3)')
    .option('--timeout <seconds>', 'how long to wait for the vault to become healthy', '60')
    .option('-y, --yes', 'ask nothing: take every default')
    .option('--json', 'print the final summary as JSON on stdout (progress goes to stderr)')
    .action(async (flags: Flags) => {
      const options = parseSetupFlags(flags);
      const io: SetupIo = { cwd: ctx.cwd, env: ctx.env, stdin: ctx.stdin, stderr: ctx.stderr, logger: ctx.logger, asker: ctx.prompter, version: ctx.version };
      const summary = await runSetupWizard({ io, services: services(ctx, flags), options });
      const ncl = nclCommand(ctx.cwd);
      if (options.json) printJson(ctx, { ...summary, next: nextCommands(summary, ncl) });
      else printLine(ctx, formatSummary(summary, ncl));
    });
}
