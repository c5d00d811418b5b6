/** The images nanoclaw builds. */
export type ImageKind = 'vault' | 'agent';

export const IMAGE_KINDS: readonly ImageKind[] = ['vault', 'agent'];

/** One file or directory copied from the package into the build context (paths relative to each root). */
export interface ContextCopy {
  /** Relative to the package, or an absolute host path (a cached download). */
  from: string;
  to: string;
  /** A package directory: its own nested node_modules is left out (nested packages are copies of their own). */
  skipNestedModules?: boolean;
}

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
  /** Whether dist/native (the gateway's native TLS transport) was built; else the image has it empty. */
  nativeAddon?: boolean;
  /** Agent image: host path of the Claude Code binary (ensureClaudeCodeBinary); without it the image has none. */
  claudeCode?: string;
}

/**
 * What goes into an image's build context, as data. The vault image gets the built app
 * (`dist/src`, `dist/native` when built, `package.json`, production node_modules) and an empty
 * `rootfs/data` (0770) that becomes the volume's mount point; the agent image its
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
      { from: 'dist/src', to: 'dist/src' },
      ...(input.nativeAddon ? [{ from: 'dist/native', to: 'dist/native' }] : []),
      ...[...input.packages].sort().map((p) => ({ from: p, to: p, skipNestedModules: true })),
    ],
    // 0770: the vault's user (uid 1000, or the host uid with group 1000 added) writes its database there.
    // dist/native exists either way so the Dockerfile's COPY of it never fails; empty, the
    // gateway uses Node's TLS.
    emptyDirs: [{ path: 'rootfs/data', mode: 0o770 }, ...(input.nativeAddon ? [] : [{ path: 'dist/native', mode: 0o755 }])],
  };
}

/** The default tag of an image: `nanoclaw-vault:<version>` / `nanoclaw-agent:<version>`. */
export function defaultImageRef(kind: ImageKind, version: string): string {
  return `nanoclaw-${kind}:${version}`;
}
