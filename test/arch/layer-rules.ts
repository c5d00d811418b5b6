import { posix } from 'node:path';

/** The modules of DESIGN.md's layer order: `common → config → (vault | client | docker) → (migrate | setup) → cli → main.ts`. */
export const LAYERS = {
  common: 0,
  config: 1,
  vault: 2,
  client: 2,
  docker: 2,
  migrate: 3,
  setup: 3,
  cli: 4,
  main: 5,
} as const;
export type ModuleName = keyof typeof LAYERS;

/**
 * The parts inside src/vault, in the same one-way order: the domain model at the bottom; the
 * store and the injection rules on it; the CA and approvals above them; the gateway and the API,
 * which must not use each other, on top. Files directly in src/vault (server.ts) compose them all.
 */
export const VAULT_PARTS = {
  model: 0,
  store: 1,
  inject: 1,
  relay: 1,
  ca: 2,
  approvals: 2,
  oauth: 2,
  gateway: 3,
  api: 3,
} as const;
type VaultPart = keyof typeof VAULT_PARTS;

// The one window the client has into the vault: the data model and the API's zod schemas (those of
// approvals, rules and approvers in a file of their own, and those an agent's launch reads in another,
// so that the client loads each set only when it needs it).
const API_SCHEMAS = ['src/vault/api/schemas.ts', 'src/vault/api/approval-schemas.ts', 'src/vault/api/agent-schemas.ts'];
const CLIENT_MAY_IMPORT = (target: string): boolean => target.startsWith('src/vault/model/') || API_SCHEMAS.includes(target);
// Siblings in the same layer that may use each other; vault, client and docker may not.
const SIBLINGS_ALLOWED = new Set<ModuleName>(['migrate', 'setup']);
const DOCKER_PACKAGES = ['dockerode', 'docker-modem'];

export interface ImportEdge {
  /** Repo-relative POSIX path of the importing file, e.g. `src/vault/server.ts`. */
  from: string;
  specifier: string;
  line: number;
}

export interface Violation extends ImportEdge {
  rule: string;
  message: string;
}

/** The module a repo-relative path belongs to; undefined outside src/ or in an unknown folder. */
export function moduleOf(path: string): ModuleName | undefined {
  if (path === 'src/main.ts') return 'main';
  const top = /^src\/([^/]+)\//.exec(path)?.[1];
  return top !== undefined && top !== 'main' && top in LAYERS ? (top as ModuleName) : undefined;
}

/** Repo-relative target of a relative specifier (`./x.js` → `…/x.ts`); undefined for packages. */
export function resolveSpecifier(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const joined = posix.normalize(posix.join(posix.dirname(from), specifier));
  return joined.replace(/\.(m|c)?js$/, (_m, k: string | undefined) => `.${k ?? ''}ts`);
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** The rule an import breaks, or undefined when it respects the layer order. Pure. */
export function checkEdge(edge: ImportEdge): Violation | undefined {
  const fail = (rule: string, message: string): Violation => ({ ...edge, rule, message });
  const from = moduleOf(edge.from);
  if (from === undefined) {
    return edge.from.startsWith('src/')
      ? fail('unknown-module', `${edge.from} is in no layer of DESIGN.md; move it or add its folder to test/arch/layer-rules.ts`)
      : undefined;
  }
  const target = resolveSpecifier(edge.from, edge.specifier);
  if (target === undefined) {
    const pkg = packageName(edge.specifier);
    if (DOCKER_PACKAGES.includes(pkg) && from !== 'docker') {
      return fail('dockerode-outside-docker', `only src/docker/ may import ${pkg}; ${from} must go through src/docker`);
    }
    return undefined;
  }
  if (target.startsWith('test/') && !edge.from.endsWith('.test.ts')) {
    return fail('imports-test-code', `product code imports test code (${target})`);
  }
  const to = moduleOf(target);
  if (to === undefined) return undefined;
  if (to === from) return from === 'vault' ? checkVaultEdge(edge, target, fail) : undefined;
  if (from === 'client' && to === 'vault') {
    return CLIENT_MAY_IMPORT(target)
      ? undefined
      : fail('client-reaches-into-vault', `client may import only src/vault/model/ and ${API_SCHEMAS.join(', ')} from the vault, not ${target}`);
  }
  if (LAYERS[to] > LAYERS[from]) {
    return fail('upward-import', `${from} (layer ${LAYERS[from]}) imports ${to} (layer ${LAYERS[to]}): ${target}`);
  }
  if (LAYERS[to] === LAYERS[from] && !(SIBLINGS_ALLOWED.has(from) && SIBLINGS_ALLOWED.has(to))) {
    return fail('sibling-import', `${from} must not import its sibling ${to} (${target}); share code through a lower layer`);
  }
  return undefined;
}

/** The part of src/vault a path belongs to; 'root' for files directly in src/vault; undefined for an unknown folder. */
export function vaultPartOf(path: string): VaultPart | 'root' | undefined {
  const rest = path.slice('src/vault/'.length);
  if (!rest.includes('/')) return 'root';
  const top = rest.slice(0, rest.indexOf('/'));
  return top in VAULT_PARTS ? (top as VaultPart) : undefined;
}

/** The rule an import between two files of src/vault breaks, or undefined. */
function checkVaultEdge(edge: ImportEdge, target: string, fail: (rule: string, message: string) => Violation): Violation | undefined {
  const from = vaultPartOf(edge.from);
  const to = vaultPartOf(target);
  if (from === undefined) {
    return fail('unknown-vault-part', `${edge.from} is in no part of src/vault; add its folder to VAULT_PARTS in test/arch/layer-rules.ts`);
  }
  if (to === 'root' && from !== 'root') return fail('upward-import', `vault/${from} imports the vault's composition root (${target})`);
  if (from === 'root' || to === undefined || to === 'root' || from === to) return undefined;
  if (VAULT_PARTS[to] > VAULT_PARTS[from]) {
    return fail('upward-import', `vault/${from} (level ${VAULT_PARTS[from]}) imports vault/${to} (level ${VAULT_PARTS[to]}): ${target}`);
  }
  if (VAULT_PARTS[to] === VAULT_PARTS[from]) {
    return fail('sibling-import', `vault/${from} must not import its sibling vault/${to} (${target}); share it through vault/model`);
  }
  return undefined;
}

/** Every violation among `edges`, in input order. */
export function checkEdges(edges: ImportEdge[]): Violation[] {
  return edges.flatMap((e) => checkEdge(e) ?? []);
}
