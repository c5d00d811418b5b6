import { CommanderError } from 'commander';
import { EXIT, isNanoclawError, ReportedFailure } from '../common/errors.js';
import type { CliContext } from './context.js';
import { buildProgram } from './program.js';

/**
 * Runs one command line and returns its exit code; never exits the process itself.
 * Errors are written to stderr as JSON `{error, code, message, hint}` (OneCLI's shape).
 */
export async function runCli(ctx: CliContext, argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(ctx, argv);
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        return EXIT.ok;
      }
      // Commander already printed the message and the help hint.
      return EXIT.usage;
    }
    if (err instanceof ReportedFailure) return err.exitCode;
    const redact = (s: string) => ctx.logger.redactor.redact(s);
    if (isNanoclawError(err)) {
      const body: Record<string, string> = { error: err.code, code: err.code, message: redact(err.message) };
      if (err.hint) body.hint = redact(err.hint);
      ctx.stderr.write(JSON.stringify(body) + '\n');
      return err.exitCode;
    }
    const where = err instanceof Error ? (err.stack?.split('\n')[1]?.trim() ?? '') : '';
    ctx.stderr.write(
      JSON.stringify({
        error: 'internal_error',
        code: 'internal_error',
        message: redact(`This is a bug in nanoclaw: ${err instanceof Error ? err.message : String(err)} ${where}`),
        hint: `Please report it${ctx.bugsUrl ? ` at ${ctx.bugsUrl}` : ''} with the command you ran and this message (never include secret values)`,
      }) + '\n',
    );
    return EXIT.failure;
  }
}
