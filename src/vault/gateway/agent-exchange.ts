import type { IncomingHttpHeaders, OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { NativeTlsConnection } from './native-tls/native-tls.js';

/**
 * What the forwarding code needs of an agent's request and response on a TLS-terminated
 * connection. Node's IncomingMessage/ServerResponse satisfy it (the Node TLS path), and so do
 * the native transport's lighter objects (native-tls/agent-request.ts, agent-response.ts).
 */

/** The connection a request arrived on, as far as holding a request for approval needs it. */
export interface AgentSocket {
  readonly destroyed: boolean;
  /** Idle timeout in ms (0 or undefined: none). */
  readonly timeout?: number | undefined;
  setTimeout(ms: number): unknown;
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

/** The request: its head, and its body as a readable stream. */
export interface AgentRequest extends Readable {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  /** Lower-cased names, duplicates combined the way Node does. */
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly httpVersionMajor: number;
  /** True once the whole body has been received. */
  readonly complete: boolean;
  readonly socket: AgentSocket;
}

/** The response: framed (Content-Length or chunked) by the implementation, not the caller. */
export interface AgentResponse {
  readonly headersSent: boolean;
  readonly writableFinished: boolean;
  writeHead(status: number, statusMessage?: string, headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this;
  writeHead(status: number, headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this;
  write(chunk: Buffer | string): boolean;
  end(chunk?: Buffer | string): this;
  destroy(error?: Error): this;
  cork(): void;
  uncork(): void;
  once(event: 'close' | 'drain' | 'finish', listener: () => void): this;
  /** Native transport only: the agent's connection, for a body passed to it natively, after `preparePipe`. */
  pipeTarget?(): NativeTlsConnection | null;
  preparePipe?(): void;
}
