import type { Readable, Writable } from 'node:stream';
import type { VaultClient } from '../client/vault-client.js';
import type { Logger } from '../common/logger.js';
import type { SetupOptions } from './setup-options.js';
import type { SetupState } from './setup-state.js';
import type { SetupSummary } from './summary.js';

/** How the wizard asks a person something (the CLI's prompter fits this shape). */
export interface Asker {
  readonly interactive: boolean;
  /** Reads a line without echoing it. */
  secret(question: string): Promise<string>;
  text(question: string, defaultValue?: string): Promise<string>;
  confirm(question: string, defaultValue: boolean): Promise<boolean>;
}

/** What the wizard may touch, passed in so tests run it in a temp project with a temp HOME. */
export interface SetupIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: Readable & { isTTY?: boolean };
  /** Progress, and the output of `claude setup-token`; never a secret value. */
  stderr: Writable;
  logger: Logger;
  asker: Asker;
  version: string;
}

export interface InstalledVault {
  url: string;
  container: string;
  id: string;
  action: string;
  apiKeyCreated: boolean;
}

/**
 * Work that lives above setup in the layer order (the CLI's `vault up` and image builds),
 * handed in by the composition root so both commands run the very same code.
 */
export interface SetupServices {
  installVault(options: { recreate: boolean; progress: (line: string) => void }): Promise<InstalledVault>;
  imageRefs(): Promise<{ vault: string; agent: string }>;
  buildImages(options: { kinds: ('vault' | 'agent')[]; progress: (line: string) => void }): Promise<void>;
  /** Remote vault under lockdown: starts (or keeps) the local relay to the remote gateway; returns what it relays to. */
  ensureRelay(options: { progress: (line: string) => void }): Promise<{ container: string; target: string; action: string }>;
}

/** The wizard's shared state while it runs; steps fill `summary` and `client`. */
export interface SetupContext {
  io: SetupIo;
  services: SetupServices;
  options: SetupOptions;
  state: SetupState;
  stateFile: string;
  envFile: string;
  /** The vault client once the vault step has run (or found its work done). */
  client: VaultClient | null;
  summary: SetupSummary;
}

export type StepId = 'prerequisites' | 'vault' | 'auth' | 'group' | 'verify';

/** One wizard step: re-running skips it when `isDone` says its work is already there. */
export interface SetupStep {
  id: StepId;
  title: string;
  isDone(ctx: SetupContext): Promise<boolean>;
  /** `say` adds a progress line under the step's title. */
  run(ctx: SetupContext, say: (line: string) => void): Promise<void>;
}
