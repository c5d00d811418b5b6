import type { IncomingHttpHeaders } from 'node:http';

/** One request as the test upstream received it, for asserting on what really arrived. */
export interface RecordedRequest {
  method: string;
  /** Request target as sent (path and query). */
  url: string;
  httpVersion: string;
  /** Parsed headers (lower-case names). */
  headers: IncomingHttpHeaders;
  /** Headers exactly as sent: [name, value, name, value, …] in order, original case. */
  rawHeaders: string[];
  body: Buffer;
  /** SNI name the client asked for, if any. */
  servername: string | undefined;
  /** Sequence number of the TLS connection: equal numbers mean a reused keep-alive socket. */
  connection: number;
  receivedAt: number;
}

/** Parses the upstream container's JSON-lines log (bodies are base64) into records. */
export function parseRecordedLines(text: string): RecordedRequest[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const raw = JSON.parse(line) as Omit<RecordedRequest, 'body'> & { body: string };
      return { ...raw, servername: raw.servername ?? undefined, body: Buffer.from(raw.body, 'base64') };
    });
}
