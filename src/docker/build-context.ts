import { posix } from 'node:path';
import { PACKAGE_LAYOUT } from '../common/package-layout.js';

/** The images nanoclaw builds. */
export type ImageKind = 'vault' | 'agent';

export const IMAGE_KINDS: readonly ImageKind[] = ['vault', 'agent'];

/** One file or directory copied from the package into the build context (paths relative to each root). */
export interface ContextCopy {
  from: string;
  to: string;
  /** A package directory: its own nested node_modules is left out (nested packages are copies of their own). */
  skipNestedModules?: boolean;
  /** Directories under `from` left out (e.g. a host's `build/` output beside native sources). */
  skipDirs?: string[];
}

/**
 * Compiled files never go into a build context: a host's binary is for the host's platform, which
 * need not be the image's (a macOS host, a Linux vault). The native addon is compiled in the
 * image build instead; a production package's optional binary (the keyring's, ssh2's) is not
 * used in the vault container, whose master key is a mounted file.
 */
export const HOST_BINARY = /\.node$/;

export interface BuildContextPlan {
  kind: ImageKind;
  copies: ContextCopy[];
  /** Empty directories to create, with their mode (COPY keeps it, so the image needs no RUN for them). */
  emptyDirs: { path: string; mode: number }[];
}

export interface PlanBuildContextInput {
  kind: ImageKind;
  /** `node_modules/…` paths of the production closure (productionPackages), only those present on disk. */
  packages: readonly string[];
  /** Agent image: host path of the Claude Code binary (ensureClaudeCodeBinary); without it the image has none. */
  claudeCode?: string;
}

/** The CLI bundle's folder: the vault image runs the same bundle as the host. */
const CLI_DIR = posix.dirname(PACKAGE_LAYOUT.cliEntry);

/**
 * What goes into an image's build context, as data. The vault image gets the built app
 * (the CLI bundle `dist/cli`, `package.json`, production node_modules without compiled files), the native
 * addon's sources and build script (compiled in the image's build stage, for its platform), and
 * an empty `rootfs/data` (0770) that becomes the volume's mount point; the agent image its
 * instructions file and the Claude Code binary (`claude-code/`, empty without one). Pure.
 */
export function planBuildContext(input: PlanBuildContextInput): BuildContextPlan {
  if (input.kind === 'agent') {
    return {
      kind: 'agent',
      copies: [
        { from: 'templates/agent.Dockerfile', to: 'Dockerfile' },
        { from: 'templates/agent/AGENTS.md', to: 'AGENTS.md' },
        ...(input.claudeCode ? [{ from: input.claudeCode, to: 'claude-code/claude' }] : []),
      ],
      // Exists either way so the Dockerfile's COPY of it never fails.
      emptyDirs: input.claudeCode ? [] : [{ path: 'claude-code', mode: 0o755 }],
    };
  }
  return {
    kind: 'vault',
    copies: [
      { from: 'templates/vault.Dockerfile', to: 'Dockerfile' },
      { from: 'package.json', to: 'package.json' },
      { from: CLI_DIR, to: CLI_DIR },
      { from: 'native/tls-transport', to: 'native/tls-transport', skipDirs: ['build'] },
      { from: 'scripts/build-native.mjs', to: 'scripts/build-native.mjs' },
      ...[...input.packages].sort().map((p) => ({ from: p, to: p, skipNestedModules: true })),
    ],
    // 0770: the vault's user (uid 1000, or the host uid with group 1000 added) writes its database there.
    emptyDirs: [{ path: 'rootfs/data', mode: 0o770 }],
  };
}

/** The default tag of an image: `nanoclaw-vault:<version>` / `nanoclaw-agent:<version>`. */
export function defaultImageRef(kind: ImageKind, version: string): string {
  return `nanoclaw-${kind}:${version}`;
}
