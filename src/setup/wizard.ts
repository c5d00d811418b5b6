import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import type { SetupOptions } from './setup-options.js';
import { markStepDone, readSetupState, recordedFor, setupStatePath } from './setup-state.js';
import { authStep } from './step-auth.js';
import { groupStep } from './step-group.js';
import { prerequisitesStep } from './step-prerequisites.js';
import { vaultStep } from './step-vault.js';
import { verifyStep } from './step-verify.js';
import { emptySummary, type SetupSummary } from './summary.js';
import type { SetupContext, SetupIo, SetupServices, SetupStep } from './types.js';

/** The wizard's steps, in order. */
export const SETUP_STEPS: readonly SetupStep[] = [prerequisitesStep, vaultStep, authStep, groupStep, verifyStep];

export interface RunWizardInput {
  io: SetupIo;
  services: SetupServices;
  options: SetupOptions;
  steps?: readonly SetupStep[];
}

/** Every progress line passes the redactor on its way to stderr, so no secret can reach the screen. */
function redactingStream(io: SetupIo): NodeJS.WriteStream {
  const out = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      io.stderr.write(io.logger.redactor.redact(String(chunk)));
      cb();
    },
  });
  return out as unknown as NodeJS.WriteStream;
}

/**
 * Runs the setup steps as a listr2 task list. A step whose work is already there is
 * skipped; each finished step is recorded in `.nanoclaw/setup-state.json`, so an
 * interrupted run resumes where it stopped. Returns what was done, for the summary.
 */
export async function runSetupWizard(input: RunWizardInput): Promise<SetupSummary> {
  const { io, services, options } = input;
  const stateFile = setupStatePath(io.cwd);
  const ctx: SetupContext = {
    io,
    services,
    options,
    state: await readSetupState(stateFile),
    stateFile,
    envFile: join(io.cwd, '.env'),
    client: null,
    summary: emptySummary(),
  };
  const record = async (step: SetupStep) => {
    const match = { vaultUrl: ctx.client?.url ?? ctx.summary.vault?.url, group: options.group };
    // Unchanged records are not rewritten: a second run leaves every file as it was.
    if (!recordedFor(ctx.state, step.id, match)) await markStepDone(stateFile, ctx.state, step.id, match);
  };
  const stream = redactingStream(io);
  const logger = new ListrLogger({ useIcons: true, processOutput: new ProcessOutput(stream, stream) });
  const tasks = new Listr(
    (input.steps ?? SETUP_STEPS).map((step) => ({
      title: step.title,
      task: async (_: unknown, task: { output: string; skip(message?: string): void }) => {
        if (await step.isDone(ctx)) {
          ctx.summary.skipped.push(step.id);
          if (step.id !== 'prerequisites') await record(step);
          return task.skip(`${step.title}: already done`);
        }
        await step.run(ctx, (line) => {
          task.output = line;
        });
        await record(step);
      },
    })),
    { renderer: 'simple', rendererOptions: { logger }, exitOnError: true, registerSignalListeners: false, concurrent: false },
  );
  await tasks.run();
  return ctx.summary;
}
