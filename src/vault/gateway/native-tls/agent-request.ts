import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { AgentRequest, AgentSocket } from '../agent-exchange.js';
import type { RequestHead } from '../request-parser.js';
import { nodeHeaders } from '../node-headers.js';

/**
 * An agent's request on a natively terminated connection: the parsed head, and the body as a
 * readable stream the connection pushes into (its backpressure pauses the TLS reads).
 */
export class NativeRequest extends Readable implements AgentRequest {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[];
  readonly httpVersionMajor = 1;
  readonly httpVersionMinor: number;
  readonly socket: AgentSocket;
  complete = false;
  private parsedHeaders: IncomingHttpHeaders | undefined;
  private readonly wantMore: () => void;

  constructor(o: { head: RequestHead; socket: AgentSocket; wantMore: () => void }) {
    super();
    this.method = o.head.method;
    this.url = o.head.target;
    this.rawHeaders = o.head.rawHeaders;
    this.httpVersionMinor = o.head.versionMinor;
    this.socket = o.socket;
    this.wantMore = o.wantMore;
  }

  get headers(): IncomingHttpHeaders {
    this.parsedHeaders ??= nodeHeaders(this.rawHeaders);
    return this.parsedHeaders;
  }

  /** A piece of the body; false when the reader is full (stop reading until it asks again). */
  deliver(chunk: Buffer): boolean {
    return this.push(chunk);
  }

  /** The whole body has arrived. */
  finish(): void {
    this.complete = true;
    this.push(null);
  }

  override _read(): void {
    this.wantMore();
  }
}
