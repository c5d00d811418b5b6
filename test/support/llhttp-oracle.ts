import { createRequire } from 'node:module';

/**
 * llhttp, the HTTP/1.1 parser inside Node (and behind many of the servers an agent's requests
 * reach), as an oracle for differential tests of the gateway's own strict parsers.
 */

export interface OracleMessage {
  /** Request method, or the response status as text. */
  start: string;
  /** Request target ('' for a response). */
  target: string;
  body: string;
}

export interface OracleOutcome {
  /** False when llhttp refused the bytes; bytes after a connection-closing message do not count. */
  ok: boolean;
  /** Whole messages only, in order. */
  messages: OracleMessage[];
}

interface LlhttpParser {
  initialize(type: number, resource: object): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  [key: number]: unknown;
}

const require = createRequire(import.meta.url);
const { HTTPParser, methods } = require('_http_common') as {
  HTTPParser: (new () => LlhttpParser) & Record<string, number>;
  methods: string[];
};

/** Parses `input` as requests, or as responses to requests made with `responseTo`. */
export function llhttpParse(input: Buffer, o: { responseTo?: string; closeAtEnd?: boolean } = {}): OracleOutcome {
  const p = new HTTPParser();
  const response = o.responseTo !== undefined;
  p.initialize(response ? HTTPParser.RESPONSE! : HTTPParser.REQUEST!, {});
  const messages: OracleMessage[] = [];
  let complete = 0;
  p[HTTPParser.kOnHeadersComplete!] = (_maj: number, _min: number, _h: string[], method: number, url: string, status: number) => {
    messages.push(response ? { start: String(status), target: '', body: '' } : { start: methods[method] ?? '?', target: url, body: '' });
    // For a response to HEAD, llhttp must be told there is no body.
    return response && o.responseTo === 'HEAD' ? 1 : 0;
  };
  p[HTTPParser.kOnBody!] = (b: Buffer) => {
    messages.at(-1)!.body += b.toString('latin1');
  };
  p[HTTPParser.kOnMessageComplete!] = () => {
    complete++;
  };
  let result = p.execute(input);
  if (!(result instanceof Error) && o.closeAtEnd) result = p.finish() ?? 0;
  // Bytes after a message that ends its connection (Connection: close, HTTP/1.0) are an error to
  // llhttp; the gateway closes such a connection after that message and never reads them.
  const ok = !(result instanceof Error) || (result as Error & { code?: string }).code === 'HPE_CLOSED_CONNECTION';
  return { ok, messages: messages.slice(0, complete) };
}
