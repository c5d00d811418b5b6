/**
 * An `--import` for a Node child that runs our .ts sources: Node strips their types, and this
 * maps their `./x.js` imports to the `./x.ts` files beside them.
 */
export const TS_HOOK = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
registerHooks({ resolve(s, c, next) {
  try { return next(s, c); } catch (e) {
    if (/^(\\.|\\/|file:)/.test(s) && s.endsWith('.js')) return next(s.slice(0, -3) + '.ts', c);
    throw e;
  }
} });`)}`;
