import { describe, expect, it } from 'vitest';
import { scanImports } from './import-scanner.js';

const specifiers = (src: string) => scanImports(src).map((r) => `${r.kind}:${r.specifier}@${r.line}`);

describe('scanImports', () => {
  it('finds every form of import, with its line', () => {
    const src = [
      "import { a, type B } from './a.js';",
      "import type { C } from '../c.js';",
      "import * as d from 'node:fs';",
      "import def, {\n  e,\n  f as g,\n} from \"./multi.js\";",
      "import './side-effect.js';",
      "export * from './star.js';",
      "export { h } from './named.js';",
      "export type { I } from './types.js';",
      "const lazy = await import('./lazy.js');",
      'const tpl = await import(`./template.js`);',
      "const cjs = require('dockerode');",
    ].join('\n');
    expect(specifiers(src)).toEqual([
      'import:./a.js@1',
      'import:../c.js@2',
      'import:node:fs@3',
      'import:./multi.js@7',
      'import:./side-effect.js@8',
      'export:./star.js@9',
      'export:./named.js@10',
      'export:./types.js@11',
      'dynamic:./lazy.js@12',
      'dynamic:./template.js@13',
      'require:dockerode@14',
    ]);
  });

  it('ignores imports inside comments, strings, templates and regex literals', () => {
    const src = [
      "// import x from '../docker/a.js';",
      "/* import('../cli/b.js') */",
      "const s = \"import y from '../setup/c.js'\";",
      "const glob = '/v1/*'; import real from './real.js'; const end = '*/';",
      "const re = /import z from '\\.\\.\\/docker'/; const q = /[\"']/;",
      'const t = `${x} import("../docker/t.js")`;',
      "const ratio = a / b; const r2 = (c) / 2; import('./after-division.js');",
      "const notImport = obj.import('./method.js'); const alsoNot = myrequire('./nope.js');",
    ].join('\n');
    expect(specifiers(src)).toEqual(['import:./real.js@4', 'dynamic:./after-division.js@7']);
  });

  it('skips dynamic imports whose specifier is computed', () => {
    expect(scanImports('await import(`./plugins/${name}.js`); await import(name);')).toEqual([]);
  });
});
