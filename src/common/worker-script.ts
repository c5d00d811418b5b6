import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { NanoclawError } from './errors.js';
import { findPackageRoot, PACKAGE_LAYOUT } from './package-layout.js';

/** A module loaded by URL at run time: a worker thread's script, or what one imports by URL. */
export type LoadedByUrl = keyof typeof PACKAGE_LAYOUT.loadedByUrl;

/**
 * Where `name` is for the module at `from` (its `import.meta.url`), which sits beside it in the
 * source: its sibling as this build has it (JavaScript from tsc's dist, the .ts file from src in
 * tests, whose types Node strips), else the file the bundle wrote for it beside the CLI's entry.
 * Checked before a worker starts: one that cannot load its script would leave its caller waiting
 * for a first reply until a timeout. `what` names what could not start, for the error.
 */
export function moduleUrl(name: LoadedByUrl, from: string, what: string): URL {
  const candidates = [new URL(`./${name}.js`, from), new URL(`./${name}.ts`, from)];
  try {
    candidates.push(pathToFileURL(join(findPackageRoot(), dirname(PACKAGE_LAYOUT.cliEntry), `${name}.js`)));
  } catch {
    /* not inside the package: only the siblings can be it */
  }
  const found = candidates.find((u) => existsSync(fileURLToPath(u)));
  if (found) return found;
  throw new NanoclawError('store_unavailable', `Cannot start ${what}: ${name}.js is missing (looked in ${candidates.map((u) => dirname(fileURLToPath(u))).join(', ')})`, {
    hint: 'Rebuild nanoclaw (npm run build), or reinstall it',
  });
}

/**
 * Source run as it is (tests): a relative `./x.js` that is not there is the `./x.ts` beside it,
 * as tsc resolves it. Registered in the worker before its script loads, so a worker's script
 * imports the project's modules the same way from src as from dist.
 */
const SOURCE_RESOLVER = `import { registerHooks } from 'node:module';
registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (err) {
      if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !/^\\.\\.?\\//.test(specifier) || !specifier.endsWith('.js')) throw err;
      return next(specifier.slice(0, -3) + '.ts', context);
    }
  },
});`;

/**
 * Starts a worker thread on `script` (from `moduleUrl`). `execArgv: []` unless given, so the
 * parent's flags (`--input-type`, a test runner's loaders) do not reach the worker.
 */
export function startWorker(script: URL, options: WorkerOptions = {}): Worker {
  const withArgs = { execArgv: [], ...options };
  if (!script.pathname.endsWith('.ts')) return new Worker(script, withArgs);
  const boot = `${SOURCE_RESOLVER}\nawait import(${JSON.stringify(script.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), withArgs);
}
