import { describe, expect, it } from 'vitest';
import { checkEdge, checkEdges, moduleOf, resolveSpecifier } from './layer-rules.js';

const rule = (from: string, specifier: string) => checkEdge({ from, specifier, line: 1 })?.rule;

describe('layer rules', () => {
  it('maps paths to modules and resolves .js specifiers to .ts files', () => {
    expect(moduleOf('src/vault/store/db.ts')).toBe('vault');
    expect(moduleOf('src/main.ts')).toBe('main');
    expect(moduleOf('src/stuff/x.ts')).toBeUndefined();
    expect(moduleOf('test/support/x.ts')).toBeUndefined();
    expect(resolveSpecifier('src/cli/a.ts', '../vault/model.js')).toBe('src/vault/model.ts');
    expect(resolveSpecifier('src/cli/a.ts', 'zod')).toBeUndefined();
  });

  it('allows imports of the same or a lower layer', () => {
    expect(rule('src/vault/gateway/proxy.ts', '../store/db.js')).toBeUndefined();
    expect(rule('src/vault/server.ts', '../common/logger.js')).toBeUndefined();
    expect(rule('src/config/settings.ts', '../common/errors.js')).toBeUndefined();
    expect(rule('src/docker/images.ts', '../config/paths.js')).toBeUndefined();
    expect(rule('src/setup/steps/vault.ts', '../../migrate/plan.js')).toBeUndefined();
    expect(rule('src/cli/vault.ts', '../vault/server.js')).toBeUndefined();
    expect(rule('src/main.ts', './cli/index.js')).toBeUndefined();
    expect(rule('src/client/api.ts', '../vault/api/schemas.js')).toBeUndefined();
    expect(rule('src/client/api.ts', '../vault/api/approval-schemas.js')).toBeUndefined();
    expect(rule('src/client/api.ts', '../vault/api/agent-schemas.js')).toBeUndefined();
    expect(rule('src/client/api.ts', '../vault/model/records.js')).toBeUndefined();
    expect(rule('src/docker/containers.ts', 'dockerode')).toBeUndefined();
    expect(rule('src/vault/store/db.ts', 'node:sqlite')).toBeUndefined();
  });

  it('fails an import that points up the layer order', () => {
    expect(rule('src/common/logger.ts', '../config/settings.js')).toBe('upward-import');
    expect(rule('src/vault/server.ts', '../setup/index.js')).toBe('upward-import');
    expect(rule('src/vault/api/routes.ts', '../../cli/print.js')).toBe('upward-import');
    expect(rule('src/migrate/apply.ts', '../cli/x.js')).toBe('upward-import');
    expect(rule('src/cli/x.ts', '../main.js')).toBe('upward-import');
  });

  it('keeps vault, client and docker apart', () => {
    expect(rule('src/vault/server.ts', '../docker/containers.js')).toBe('sibling-import');
    expect(rule('src/vault/server.ts', '../client/api.js')).toBe('sibling-import');
    expect(rule('src/docker/vault-container.ts', '../vault/model.js')).toBe('sibling-import');
    expect(rule('src/docker/x.ts', '../client/api.js')).toBe('sibling-import');
    expect(rule('src/client/api.ts', '../vault/store/db.js')).toBe('client-reaches-into-vault');
    expect(rule('src/client/api.ts', '../vault/api/routes.js')).toBe('client-reaches-into-vault');
  });

  it('orders the parts inside src/vault: model, then store and inject, then ca and approvals, then gateway and api', () => {
    expect(rule('src/vault/store/secret-repo.ts', '../model/records.js')).toBeUndefined();
    expect(rule('src/vault/gateway/forward.ts', '../inject/apply-injection.js')).toBeUndefined();
    expect(rule('src/vault/gateway/native-tls/fast-lane.ts', '../../store/types.js')).toBeUndefined();
    expect(rule('src/vault/server.ts', './gateway/gateway-server.js')).toBeUndefined();
    expect(rule('src/vault/store/rule-repo.ts', '../inject/policy.js')).toBe('sibling-import');
    expect(rule('src/vault/store/approval-repo.ts', '../approvals/types.js')).toBe('upward-import');
    expect(rule('src/vault/gateway/gateway-server.ts', '../api/schemas.js')).toBe('sibling-import');
    expect(rule('src/vault/api/routes-misc.ts', '../gateway/gateway-server.js')).toBe('sibling-import');
    expect(rule('src/vault/model/records.ts', '../store/types.js')).toBe('upward-import');
    expect(rule('src/vault/gateway/x.ts', '../server.js')).toBe('upward-import');
    expect(rule('src/vault/stuff/x.ts', '../model/records.js')).toBe('unknown-vault-part');
  });

  it('lets only src/docker import dockerode', () => {
    expect(rule('src/vault/server.ts', 'dockerode')).toBe('dockerode-outside-docker');
    expect(rule('src/cli/ps.ts', 'dockerode')).toBe('dockerode-outside-docker');
    expect(rule('src/setup/steps.ts', 'docker-modem')).toBe('dockerode-outside-docker');
    expect(rule('src/vault/gateway/x.test.ts', 'dockerode')).toBe('dockerode-outside-docker');
  });

  it('fails files outside every layer and product code that imports tests', () => {
    expect(rule('src/helpers/x.ts', '../common/errors.js')).toBe('unknown-module');
    expect(rule('src/vault/server.ts', '../../test/support/x.js')).toBe('imports-test-code');
    expect(rule('src/vault/server.test.ts', '../../test/support/x.js')).toBeUndefined();
  });

  it('reports each violation with the file, line and a message naming both ends', () => {
    const found = checkEdges([
      { from: 'src/common/a.ts', specifier: './b.js', line: 3 },
      { from: 'src/vault/x.ts', specifier: '../docker/y.js', line: 7 },
    ]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ from: 'src/vault/x.ts', line: 7, rule: 'sibling-import' });
    expect(found[0]?.message).toMatch(/vault.*docker/);
  });
});
