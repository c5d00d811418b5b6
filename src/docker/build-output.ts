/** One event of Docker's build stream (JSON lines from POST /build). */
export interface BuildEvent {
  stream?: string;
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

export type BuildOutput =
  | { type: 'lines'; lines: string[] }
  | { type: 'error'; message: string }
  | { type: 'image'; id: string };

/**
 * What a build event means for the user: output lines (steps, RUN output, pull status
 * without the byte counters), an error, or the built image's id; null for noise. Pure.
 */
export function interpretBuildEvent(event: BuildEvent): BuildOutput | null {
  if (event.error !== undefined || event.errorDetail?.message !== undefined) {
    return { type: 'error', message: (event.errorDetail?.message ?? event.error ?? 'unknown build error').trim() };
  }
  if (event.aux?.ID) return { type: 'image', id: event.aux.ID };
  if (event.stream !== undefined) {
    const lines = event.stream.split(/\r?\n/).map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
    return lines.length > 0 ? { type: 'lines', lines } : null;
  }
  if (event.status !== undefined && event.progressDetail?.current === undefined) {
    return { type: 'lines', lines: [event.id ? `${event.id}: ${event.status}` : event.status] };
  }
  return null;
}

/** Splits a chunked JSON-lines stream into events; keeps the unfinished tail for the next chunk. */
export function splitJsonLines(buffered: string): { events: BuildEvent[]; rest: string } {
  const parts = buffered.split('\n');
  const rest = parts.pop() ?? '';
  const events: BuildEvent[] = [];
  for (const part of parts) {
    const line = part.trim();
    if (line === '') continue;
    try {
      events.push(JSON.parse(line) as BuildEvent);
    } catch {
      events.push({ stream: line }); // not JSON: show it rather than lose it
    }
  }
  return { events, rest };
}

/** A build error the user can act on: which base image could not be found, if that is what failed. */
export function missingBaseImage(message: string): boolean {
  return /pull access denied|manifest unknown|not found: manifest|no such image|repository does not exist|dial tcp|lookup .* (?:no such host|server misbehaving)|i\/o timeout|TLS handshake timeout/i.test(
    message,
  );
}
