import { homedir } from 'node:os';
import { Command, Option } from 'commander';
import { resolvePaths } from '../config/paths.js';
import { loadProjectSettings } from '../config/settings.js';
import { IMAGE_KINDS, defaultImageRef, type ImageKind } from '../docker/build-context.js';
import { CLAUDE_CODE_VERSION, ensureClaudeCodeBinary } from '../docker/claude-code.js';
import { connectDocker, type Docker } from '../docker/docker-client.js';
import { DEFAULT_BASE_IMAGE, DEFAULT_BUILD_IMAGE, buildImage, type BuiltImage } from '../docker/images.js';
import { resourceLabels } from '../docker/labels.js';
import { printJson, type CliContext } from './context.js';

export interface BuildImagesOptions {
  docker: Docker;
  kinds: readonly ImageKind[];
  baseImage?: string;
  /** Build the agent image without Claude Code (no npm registry needed at all). */
  withoutClaudeCode?: boolean;
  /** Where the vault image's native addon is compiled (an image with a C++ toolchain). */
  buildImage?: string;
  /** Where progress lines go (stderr when stdout carries JSON). */
  progress: (line: string) => void;
}

// The legacy builder's bookkeeping lines say nothing a user needs.
const NOISE = /^\s*(?:---> |Removing intermediate container |Running in |Successfully built )/;

/** The image tags of this project: NANOCLAW_VAULT_IMAGE / NANOCLAW_AGENT_IMAGE, else nanoclaw-<kind>:<version>. */
export async function projectImageRefs(ctx: CliContext): Promise<Record<ImageKind, string>> {
  const { settings } = await loadProjectSettings({ cwd: ctx.cwd, env: ctx.env });
  return {
    vault: settings.vaultImage ?? defaultImageRef('vault', ctx.version),
    agent: settings.agentImage ?? defaultImageRef('agent', ctx.version),
  };
}

/** The pinned Claude Code binary for the agent image, from the project's cache or the npm registry. */
async function claudeCodeFor(ctx: CliContext, progress: (line: string) => void): Promise<string> {
  const paths = resolvePaths({ cwd: ctx.cwd, env: ctx.env, home: ctx.env.HOME || homedir() });
  progress(`Claude Code ${CLAUDE_CODE_VERSION} for the agent image (cached in ${paths.cacheDir}, else packed from the npm registry)…`);
  return ensureClaudeCodeBinary({ cacheDir: paths.cacheDir });
}

/** Builds the images of `kinds` from the installed package, one progress line per build step. */
export async function buildImages(ctx: CliContext, options: BuildImagesOptions): Promise<BuiltImage[]> {
  const refs = await projectImageRefs(ctx);
  const baseImage = options.baseImage ?? DEFAULT_BASE_IMAGE;
  const built: BuiltImage[] = [];
  for (const kind of options.kinds) {
    const claudeCode = kind === 'agent' && !options.withoutClaudeCode ? await claudeCodeFor(ctx, options.progress) : undefined;
    options.progress(`Building ${refs[kind]} (${kind}) from ${baseImage}…`);
    const image = await buildImage({
      ...(claudeCode ? { claudeCode } : {}),
      docker: options.docker,
      kind,
      tag: refs[kind],
      baseImage,
      ...(options.buildImage ? { buildImage: options.buildImage } : {}),
      labels: resourceLabels({ role: 'image', env: ctx.env }),
      onLine: (line) => {
        if (!NOISE.test(line)) options.progress(`  ${line}`);
      },
    });
    options.progress(`Built ${image.tag} (${image.id.replace(/^sha256:/, '').slice(0, 12)}) in ${(image.durationMs / 1000).toFixed(1)}s`);
    built.push(image);
  }
  return built;
}

/** `ncl images build [--base-image IMG] [--only vault|agent] [--json]`. */
export function imagesCommand(ctx: CliContext): Command {
  const cmd = new Command('images').description('Build the vault and agent images');
  cmd
    .command('build')
    .description('Build the images from the installed package (no network needed when the base image is local)')
    .option('--base-image <image>', `base image with Node 24 (default ${DEFAULT_BASE_IMAGE})`)
    .option('--build-image <image>', `image the vault's native TLS addon is compiled in: Node 24 with headers, g++, make, python3 (default ${DEFAULT_BUILD_IMAGE}, or the base image when one is given)`)
    .addOption(new Option('--only <kind>', 'build one image only').choices([...IMAGE_KINDS]))
    .option('--without-claude-code', `build the agent image without Claude Code ${CLAUDE_CODE_VERSION} (otherwise packed once from the npm registry on this host)`)
    .option('--json', 'print a JSON summary on stdout (progress goes to stderr)')
    .action(async (o: { baseImage?: string; buildImage?: string; only?: ImageKind; withoutClaudeCode?: boolean; json?: boolean }) => {
      const docker = await connectDocker({ env: ctx.env });
      const out = o.json ? ctx.stderr : ctx.stdout;
      const built = await buildImages(ctx, {
        docker,
        kinds: o.only ? [o.only] : IMAGE_KINDS,
        ...(o.baseImage ? { baseImage: o.baseImage } : {}),
        ...(o.withoutClaudeCode ? { withoutClaudeCode: true } : {}),
        ...(o.buildImage ? { buildImage: o.buildImage } : {}),
        progress: (line) => out.write(line + '\n'),
      });
      if (o.json) printJson(ctx, { images: built.map((b) => ({ tag: b.tag, id: b.id, durationMs: b.durationMs })) });
    });
  return cmd;
}
