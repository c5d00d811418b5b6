import { Duplex } from 'node:stream';
import type { NativeTlsConnection } from './native-tls.js';

/**
 * A natively terminated connection as a Node stream, for what is relayed as raw bytes after
 * an HTTP Upgrade (WebSocket). The caller routes the connection's events to `received`,
 * `ended`, `drained` and `failed`.
 */
export class NativeDuplex extends Duplex {
  private readonly conn: NativeTlsConnection;
  private waiting: (() => void) | null = null;

  constructor(conn: NativeTlsConnection) {
    super({ allowHalfOpen: false });
    this.conn = conn;
  }

  received(chunk: Buffer): void {
    if (!this.push(chunk)) this.conn.pause();
  }

  ended(): void {
    this.push(null);
  }

  drained(): void {
    const cb = this.waiting;
    this.waiting = null;
    cb?.();
  }

  failed(message: string): void {
    this.destroy(new Error(message));
  }

  override _read(): void {
    this.conn.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: (error?: Error | null) => void): void {
    if (this.conn.write(chunk)) cb();
    else this.waiting = () => cb();
  }

  override _final(cb: (error?: Error | null) => void): void {
    this.conn.end();
    cb();
  }

  override _destroy(error: Error | null, cb: (error?: Error | null) => void): void {
    this.conn.destroy();
    cb(error);
  }
}
