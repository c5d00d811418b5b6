import { EventEmitter } from 'node:events';
import type { UpstreamSocket } from '../upstream-socket.js';
import { joinForWrite } from './join-for-write.js';
import type { ConnectOptions, NativeTls, NativeTlsConnection } from './native-tls.js';

/**
 * A verified TLS connection to an upstream over the native transport, with the events and
 * methods of a `tls.TLSSocket` the upstream client uses. cork() gathers writes into one TLS
 * record, as Node's writev would.
 */
export class NativeUpstreamSocket extends EventEmitter implements UpstreamSocket {
  private readonly conn: NativeTlsConnection;
  private corked: Buffer[] | null = null;
  private onPiped: ((moved: number) => void) | null = null;
  private gone = false;

  constructor(native: NativeTls, o: ConnectOptions) {
    super();
    this.conn = native.connect({
      ...o,
      handlers: {
        secure: () => this.emit('secureConnect'),
        data: (chunk) => this.emit('data', chunk),
        end: () => {
          this.emit('end');
          this.destroy();
        },
        error: (message) => this.destroy(new Error(message)),
        drain: () => this.emit('drain'),
        piped: (moved) => {
          const done = this.onPiped;
          this.onPiped = null;
          done?.(moved);
        },
      },
    });
  }

  /** The addon's id of the connection, for the fast lane. */
  get nativeId(): number {
    return this.conn.id;
  }

  get destroyed(): boolean {
    return this.gone;
  }

  write(data: Buffer | string, encoding?: 'latin1'): boolean {
    const chunk = typeof data === 'string' ? Buffer.from(data, encoding ?? 'utf8') : data;
    if (this.corked) {
      this.corked.push(chunk);
      return true;
    }
    return this.conn.write(chunk);
  }

  cork(): void {
    this.corked ??= [];
  }

  uncork(): void {
    const parts = this.corked;
    this.corked = null;
    if (parts && parts.length > 0) this.conn.write(joinForWrite(parts));
  }

  pipeBody(target: NativeTlsConnection, bytes: number, done: (moved: number) => void): void {
    this.onPiped = done;
    this.conn.pipeTo(target, bytes);
  }

  pause(): this {
    this.conn.pause();
    return this;
  }

  resume(): this {
    this.conn.resume();
    return this;
  }

  /** Closes now; 'error' (when given) and then 'close' follow on the next tick, as for a net socket. */
  destroy(err?: Error): this {
    if (this.gone) return this;
    this.gone = true;
    this.conn.destroy();
    process.nextTick(() => {
      if (err) this.emit('error', err);
      this.emit('close');
    });
    return this;
  }
}
