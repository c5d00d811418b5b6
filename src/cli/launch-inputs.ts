import { homedir, networkInterfaces } from 'node:os';
import { NanoclawError } from '../common/errors.js';
import { loadContainerJson, type ContainerJson } from '../config/container-json.js';
import { checkAdditionalMounts } from '../config/mount-allowlist.js';
import { resolvePaths, type ProjectPaths } from '../config/paths.js';
import { loadProjectSettings, type Settings } from '../config/settings.js';
import { NATIVE_VARIABLES, type NativeVariable } from '../docker/agent-spec.js';
import type { CliContext } from './context.js';
import { projectSetting } from './vault-connection.js';

export interface LaunchInputs {
  settings: Settings;
  paths: ProjectPaths;
  file: string;
  config: ContainerJson;
  mounts: { hostPath: string; containerPath: string; readonly: boolean }[];
  /** Null unless NANOCLAW_NATIVE_CREDENTIALS is on. */
  native: Partial<Record<NativeVariable, string>> | null;
  agentImage: string;
}

/** The native-credential values (environment first, then .env); throws when the flag is on and none is set. */
export async function readNativeCredentials(ctx: CliContext): Promise<Partial<Record<NativeVariable, string>>> {
  const values: Partial<Record<NativeVariable, string>> = {};
  for (const name of NATIVE_VARIABLES) {
    const value = await projectSetting(ctx, name);
    if (value) {
      values[name] = value;
      if (name !== 'ANTHROPIC_BASE_URL') ctx.logger.redactor.add(value);
    }
  }
  if (!values.ANTHROPIC_API_KEY && !values.CLAUDE_CODE_OAUTH_TOKEN && !values.ANTHROPIC_AUTH_TOKEN) {
    throw new NanoclawError('native_credentials_missing', 'NANOCLAW_NATIVE_CREDENTIALS is on, but none of ANTHROPIC_API_KEY, CLAUDE_CODE_OAUTH_TOKEN or ANTHROPIC_AUTH_TOKEN is set', {
      hint: 'Add one of them to .env, or turn native mode off (remove NANOCLAW_NATIVE_CREDENTIALS) to let the vault inject the key',
    });
  }
  return values;
}

/** Everything a launch needs from files and settings, validated before anything is created. */
export async function gatherLaunchInputs(ctx: CliContext, folder: string): Promise<LaunchInputs> {
  const { settings } = await loadProjectSettings({ cwd: ctx.cwd, env: ctx.env });
  const home = ctx.env.HOME || homedir();
  const paths = resolvePaths({ cwd: ctx.cwd, env: ctx.env, home, ...(settings.vaultDir ? { vaultDir: settings.vaultDir } : {}) });
  const { file, config } = await loadContainerJson({ groupsDir: paths.groupsDir, folder });
  const mounts = await checkAdditionalMounts({
    mounts: config.additionalMounts,
    allowlistFile: paths.mountAllowlistFile,
    home,
    protectedPaths: [paths.envFile, paths.vaultDir, paths.runtimeDir, paths.configDir],
  });
  const native = settings.nativeCredentials ? await readNativeCredentials(ctx) : null;
  return { settings, paths, file, config, mounts, native, agentImage: settings.agentImage ?? `nanoclaw-agent:${ctx.version}` };
}

/** The host's own addresses (what the lockdown self-test must not reach); loopback and link-local left out. */
export function hostAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal && !a.address.toLowerCase().startsWith('fe80'))
    .map((a) => a!.address);
}

const trimmed = (pem: string) => pem.trim() + '\n';

// The bundle's first line names the Node whose root store it holds (PEM readers skip text between
// certificates, as in curl's own cacert.pem), so a launch can tell the file is current without
// loading node:tls and its roots, ~10 ms of CPU.
const bundleHeader = (nodeVersion: string) => `# nanoclaw: the root CAs of Node ${nodeVersion}, then the vault CA\n`;

/** System CAs (Node's bundled Mozilla store) plus the vault CA: one file for tools that read one bundle. */
export function combinedBundle(
  vaultCaPem: string,
  systemPems: readonly string[] = process.getBuiltinModule('node:tls').rootCertificates,
  nodeVersion: string = process.versions.node,
): string {
  return [bundleHeader(nodeVersion), ...systemPems.map(trimmed), trimmed(vaultCaPem)].join('');
}

/** Whether `text` (the bundle on disk, null when absent) is what combinedBundle writes for this vault CA and Node. */
export function bundleIsCurrent(text: string | null, vaultCaPem: string, nodeVersion: string = process.versions.node): boolean {
  return text !== null && text.startsWith(bundleHeader(nodeVersion)) && text.endsWith(trimmed(vaultCaPem));
}

/** The user agents run as: the host user, or uid 1000 when the launcher runs as root. */
export function agentUser(): { uid: number; gid: number } {
  const uid = process.getuid?.() ?? 1000;
  const gid = process.getgid?.() ?? 1000;
  return uid === 0 ? { uid: 1000, gid: 1000 } : { uid, gid };
}
