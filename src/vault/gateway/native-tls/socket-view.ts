import { EventEmitter } from 'node:events';
import type { AgentSocket } from '../agent-exchange.js';

/** The connection as requests see it (`req.socket`): idle timeout and close, nothing else. */
export class SocketView extends EventEmitter implements AgentSocket {
  destroyed = false;
  timeout = 0;
  private readonly onTimeout: (ms: number) => void;
  private readonly onDestroy: () => void;

  constructor(o: { onTimeout: (ms: number) => void; onDestroy: () => void }) {
    super();
    this.onTimeout = o.onTimeout;
    this.onDestroy = o.onDestroy;
  }

  setTimeout(ms: number): this {
    this.timeout = ms;
    this.onTimeout(ms);
    return this;
  }

  destroy(): void {
    this.onDestroy();
  }
}
