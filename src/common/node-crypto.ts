/**
 * node:crypto when it is first used, not when its importer loads: `ncl launch` with lockdown off
 * hashes nothing and names no temp file on most runs, and loading crypto costs it ~5 ms of CPU.
 */
export function nodeCrypto(): typeof import('node:crypto') {
  return process.getBuiltinModule('node:crypto');
}
