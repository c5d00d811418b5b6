import { errorMessage } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import type { BotApiClient } from './bot-api-client.js';
import type { TelegramUpdate } from './bot-api-types.js';

export interface UpdatePollerOptions {
  client: BotApiClient;
  logger: Logger;
  onUpdate(update: TelegramUpdate): Promise<void>;
  /** getUpdates long-poll seconds. */
  timeoutSeconds: number;
  /** First wait after a failed poll; doubles up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export interface UpdatePoller {
  /** Ends the current long-poll and resolves when the loop has returned. */
  stop(): Promise<void>;
}

/** Runs the getUpdates loop: confirms each update by advancing the offset, backs off on errors. */
export function startUpdatePoller(options: UpdatePollerOptions): UpdatePoller {
  const abort = new AbortController();
  const firstBackoff = options.backoffMs ?? 1000;
  const maxBackoff = options.maxBackoffMs ?? 30_000;

  async function loop(): Promise<void> {
    let offset: number | undefined;
    let backoff = firstBackoff;
    while (!abort.signal.aborted) {
      let updates: TelegramUpdate[];
      try {
        updates = await options.client.getUpdates(
          { offset, timeout: options.timeoutSeconds, allowed_updates: ['callback_query', 'message'] },
          abort.signal,
        );
        backoff = firstBackoff;
      } catch (err) {
        if (abort.signal.aborted) return;
        // errorMessage of a TelegramApiError never holds the URL, hence never the token.
        options.logger.warn('Telegram getUpdates failed; retrying', { error: errorMessage(err), retry_ms: backoff });
        await sleep(backoff, abort.signal);
        backoff = Math.min(backoff * 2, maxBackoff);
        continue;
      }
      for (const update of updates) {
        offset = Math.max(offset ?? 0, update.update_id + 1);
        try {
          await options.onUpdate(update);
        } catch (err) {
          options.logger.error('Telegram update handling failed', { update: update.update_id, error: errorMessage(err) });
        }
      }
    }
  }

  const done = loop();
  return {
    async stop() {
      abort.abort();
      await done;
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
