import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VaultClient } from '../../src/client/vault-client.js';
import { parseEnvFile } from '../../src/config/env-file.js';
import { makeTempProject, type TempProject } from '../support/temp-project.js';
import { runCli, startCli, type CliResult } from './cli-run.js';

/** A real `ncl vault serve` subprocess, and a way to run `ncl init-onecli` against it in temp projects. */
export interface InitOnecliHarness extends AsyncDisposable {
  url: string;
  /** ONECLI_API_KEY of the vault. */
  apiKey: string;
  client: VaultClient;
  /** Every stdout and stderr captured so far, vault's included: the test greps it for secret values. */
  outputs: string[];
  project(envText?: string | Buffer): Promise<TempProject>;
  /** Runs `ncl init-onecli …args` in `project` (no terminal), connected to the vault through the environment. */
  initOnecli(project: TempProject, args: string[], extraEnv?: NodeJS.ProcessEnv): Promise<CliResult>;
  /** Deletes these secrets when they exist (between cases that reuse names). */
  deleteSecrets(names: string[]): Promise<void>;
  /** Stops the vault and removes every temp dir. */
  dispose(): Promise<void>;
}

/** Starts the vault in its own temp dir; dispose stops it and removes every temp dir. */
export async function startInitOnecliHarness(): Promise<InitOnecliHarness> {
  const vaultHome = await makeTempProject();
  const projects: TempProject[] = [vaultHome];
  // No Secret Service here: the master key falls back to a 0600 key file (with a warning).
  const vault = await startCli(['vault', 'serve', '--api-listen', '127.0.0.1:0', '--gateway-listen', '127.0.0.1:0'], {
    cwd: vaultHome.dir,
    env: { PATH: process.env.PATH, HOME: vaultHome.home, NANOCLAW_VAULT_DIR: join(vaultHome.dir, 'vault-data') },
    ready: /Vault API listening on http:\/\/\S+;/,
  });
  const written = parseEnvFile(await readFile(vaultHome.envFile, 'utf8'));
  const url = written.get('ONECLI_URL')!;
  const apiKey = written.get('ONECLI_API_KEY')!;
  const client = new VaultClient({ url, apiKey });
  const outputs: string[] = [];
  const dispose = async () => {
    outputs.push(vault.output());
    await vault.stop();
    for (const p of projects) await p.dispose();
  };
  return {
    url,
    apiKey,
    client,
    outputs,
    async project(envText) {
      const p = await makeTempProject();
      projects.push(p);
      if (envText !== undefined) await writeFile(p.envFile, envText, { mode: 0o600 });
      return p;
    },
    async initOnecli(project, args, extraEnv = {}) {
      const env = { PATH: process.env.PATH, HOME: project.home, ONECLI_URL: url, ONECLI_API_KEY: apiKey, ...extraEnv };
      const result = await runCli(['init-onecli', ...args], { cwd: project.dir, env });
      outputs.push(result.stdout, result.stderr);
      return result;
    },
    async deleteSecrets(names) {
      const existing = new Set((await client.listSecrets()).data.map((s) => s.name));
      for (const name of names) if (existing.has(name)) await client.deleteSecret(name);
    },
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}
