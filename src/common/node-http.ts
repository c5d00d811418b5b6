/**
 * node:http without the cost of an ESM import: importing it builds its module namespace, which
 * reads its lazy WebSocket getters and so loads undici, tens of milliseconds of CPU that short
 * commands such as `ncl launch` would pay for nothing. getBuiltinModule hands back the module as is.
 */
export function nodeHttp(): typeof import('node:http') {
  return process.getBuiltinModule('node:http');
}
