import { EventEmitter } from 'node:events';
import type { AgentSocket } from '../agent-exchange.js';

/** What a `SocketView` stands for: the connection itself (no closure per connection for each call). */
export interface SocketOwner {
  setIdle(ms: number): void;
  destroy(): void;
}

/** The connection as requests see it (`req.socket`): idle timeout and close, nothing else. */
export class SocketView extends EventEmitter implements AgentSocket {
  destroyed = false;
  timeout = 0;
  private readonly owner: SocketOwner;

  constructor(owner: SocketOwner) {
    super();
    this.owner = owner;
  }

  setTimeout(ms: number): this {
    this.timeout = ms;
    this.owner.setIdle(ms);
    return this;
  }

  destroy(): void {
    this.owner.destroy();
  }
}
