import { Writable, type Readable } from 'node:stream';
import { NanoclawError } from '../common/errors.js';

/** The one place commands ask a person something; tests pass their own. */
export interface Prompter {
  readonly interactive: boolean;
  /** Reads a line without echoing it (secret values). */
  secret(question: string): Promise<string>;
  text(question: string, defaultValue?: string): Promise<string>;
  confirm(question: string, defaultValue: boolean): Promise<boolean>;
}

function notInteractive(question: string): NanoclawError {
  return new NanoclawError('no_terminal', `Cannot ask "${question.trim()}" without a terminal`, {
    hint: 'Pass the answer as a flag (see --help), or run the command in a terminal',
  });
}

/**
 * A prompter on a real terminal; refuses (with the flag to use) when there is none. `input` is
 * asked for only when a command prompts: making process.stdin costs a few ms that `ncl launch`
 * never needs.
 */
export function terminalPrompter(input: () => Readable & { isTTY?: boolean }, output: Writable): Prompter {
  const ask = async (question: string, muted: boolean): Promise<string> => {
    if (!input().isTTY) throw notInteractive(question);
    // Loaded on the first question: every command builds the prompter, few ask anything.
    const rl = process.getBuiltinModule('node:readline/promises').createInterface({ input: input(), output: muted ? mutedCopy(output, question) : output, terminal: true });
    try {
      return (await rl.question(question)).trim();
    } finally {
      rl.close();
      if (muted) output.write('\n');
    }
  };
  return {
    get interactive() {
      return Boolean(input().isTTY);
    },
    secret: (q) => ask(q, true),
    text: async (q, d) => (await ask(d ? `${q} [${d}] ` : q, false)) || (d ?? ''),
    confirm: async (q, d) => {
      const answer = (await ask(`${q} ${d ? '[Y/n]' : '[y/N]'} `, false)).toLowerCase();
      return answer === '' ? d : answer.startsWith('y');
    },
  };
}

/** Echoes only the question, never what is typed after it. */
function mutedCopy(output: Writable, question: string): Writable {
  let shown = false;
  return new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      if (!shown && String(chunk).includes(question)) {
        output.write(question);
        shown = true;
      }
      cb();
    },
  });
}
