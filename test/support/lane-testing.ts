import { loadBinding } from '../../src/vault/gateway/native-tls/binding.js';
import type { AddonTables } from '../../src/vault/gateway/wire-tables.js';

/** What `laneTesting.*` returns (native/tls-transport/lane-testing.h). */
export interface NativeRequestHead {
  headLen: number;
  method: string;
  target: string;
  host: string;
  contentLength: number;
  connectionKeepAlive: boolean;
  fields: string[];
}

export interface NativeResponseHead {
  headLen: number;
  status: number;
  reason: string;
  framing: 'none' | 'length' | 'chunked';
  length: number;
  reusable: boolean;
  keepAliveMs: number;
  fields: string[];
}

export interface LaneTesting {
  parseRequestHead(head: Buffer, maxHeaderSize: number): 'incomplete' | 'other' | NativeRequestHead;
  parseResponseHead(head: Buffer, headRequest: boolean): 'incomplete' | 'other' | NativeResponseHead;
  dechunk(pieces: Buffer[]): { status: 'more' | 'done' | 'error'; body: Buffer; consumed: number };
  echoScan(forms: Buffer[], pieces: Buffer[]): { out: Buffer[]; redacted: boolean };
}

/** The built addon's test entry points; throws when the addon is not built (run: npm run build). */
export function laneTesting(): LaneTesting {
  const binding = loadBinding();
  if ('error' in binding) throw new Error(binding.error);
  return (binding as unknown as { laneTesting: LaneTesting }).laneTesting;
}

/** Gives this thread's addon other tables than wire-tables.ts (a test puts those back after). */
export function configureLane(tables: AddonTables): void {
  const binding = loadBinding();
  if ('error' in binding) throw new Error(binding.error);
  binding.configure(tables);
}
