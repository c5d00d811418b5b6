import { UsageError } from '../common/errors.js';

/** Parses `host:port` / `[v6]:port` / `:port` for --api-listen and --gateway-listen. */
export function parseListen(raw: string, flag: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(raw.trim());
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new UsageError(`${flag} must look like 127.0.0.1:10254 (got "${raw}")`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}
