import type { NativeTlsConnection } from './native-tls/native-tls.js';

/**
 * What the gateway's own upstream client needs of a connection: Node's `tls.TLSSocket`
 * satisfies it, and so does the native transport's `NativeUpstreamSocket`.
 */
export interface UpstreamSocket {
  readonly destroyed: boolean;
  /** Native transport only: the addon's id of the connection (the fast lane writes to it itself). */
  readonly nativeId?: number;
  write(data: Buffer | string, encoding?: 'latin1'): boolean;
  cork(): void;
  uncork(): void;
  pause(): unknown;
  resume(): unknown;
  destroy(): unknown;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  once(event: 'drain' | 'secureConnect' | 'close', listener: () => void): unknown;
  /** Native transport only: the next `bytes` bytes go straight to `target`, then `done`. */
  pipeBody?(target: NativeTlsConnection, bytes: number, done: (moved: number) => void): void;
}
