import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NanoclawError } from '../common/errors.js';
import { loadContainerJson, parseContainerJson, parseMemory } from './container-json.js';

function failure(input: unknown): NanoclawError {
  try {
    parseContainerJson(input, '/p/groups/g/container.json');
  } catch (err) {
    return err as NanoclawError;
  }
  throw new Error('expected parseContainerJson to throw');
}

describe('parseContainerJson', () => {
  it('fills the defaults of a minimal file', () => {
    const c = parseContainerJson({ agentGroupId: 'main' }, 'f');
    expect(c).toEqual({
      agentGroupId: 'main',
      env: {},
      additionalMounts: [],
      stubs: [],
      resources: { memory: 2 * 2 ** 30, cpus: 2, pids: 512 },
    });
  });

  it('keeps every field of a full file and converts memory sizes', () => {
    const c = parseContainerJson(
      {
        agentGroupId: 'team.a-1',
        image: 'my-agent:1',
        command: ['node', 'agent.js'],
        env: { LOG_LEVEL: 'debug', TZ: 'UTC' },
        additionalMounts: [{ hostPath: '~/projects/x', containerPath: '/workspace/x', readonly: false }],
        stubs: ['gmail', 'gcal'],
        resources: { memory: '512m', cpus: 0.5, pids: 100 },
        allowHosts: ['api.github.com'],
      },
      'f',
    );
    expect(c.resources).toEqual({ memory: 512 * 2 ** 20, cpus: 0.5, pids: 100 });
    expect(c.additionalMounts[0]).toEqual({ hostPath: '~/projects/x', containerPath: '/workspace/x', readonly: false });
    expect(c.allowHosts).toEqual(['api.github.com']);
  });

  it('defaults extra mounts to read-only', () => {
    const c = parseContainerJson({ agentGroupId: 'g', additionalMounts: [{ hostPath: '/a', containerPath: '/b' }] }, 'f');
    expect(c.additionalMounts[0]?.readonly).toBe(true);
  });

  it.each(['GITHUB_TOKEN', 'OPENAI_API_KEY', 'CLIENT_SECRET', 'PASSWORD', 'DB_PASSWORD', 'AWS_ACCESS_KEY_ID'])(
    'refuses the credential-looking env key %s and says to use the vault',
    (key) => {
      const err = failure({ agentGroupId: 'g', env: { [key]: 'x' } });
      expect(err.code).toBe('bad_container_json');
      expect(err.message).toContain(`env.${key}`);
      expect(err.message).toContain('ncl secrets create');
      expect(err.message).toContain('/p/groups/g/container.json');
      expect(err.message).toContain('exactly "onecli-managed"');
    },
  );

  it('accepts a credential-named variable whose value is exactly the placeholder, and nothing near it', () => {
    expect(parseContainerJson({ agentGroupId: 'g', env: { OPENAI_API_KEY: 'onecli-managed', MY_TOKEN: 'onecli-managed' } }, 'c.json').env).toEqual({
      OPENAI_API_KEY: 'onecli-managed',
      MY_TOKEN: 'onecli-managed',
    });
    for (const near of ['onecli-managed ', 'Bearer onecli-managed', 'ONECLI-MANAGED', 'sk-onecli-managed']) {
      expect(failure({ agentGroupId: 'g', env: { OPENAI_API_KEY: near } }).code, near).toBe('bad_container_json');
    }
  });

  it('refuses overriding the proxy and CA variables', () => {
    const err = failure({ agentGroupId: 'g', env: { HTTPS_PROXY: 'http://evil:1' } });
    expect(err.message).toMatch(/env\.HTTPS_PROXY: is set by the launcher/);
  });

  it('names the field path of each problem, nested ones too', () => {
    const err = failure({ agentGroupId: 'bad id', resources: { memory: 'lots' }, additionalMounts: [{ hostPath: '/a', containerPath: 'rel' }], extra: 1 });
    expect(err.message).toContain('agentGroupId:');
    expect(err.message).toContain('resources.memory: expected bytes or a size');
    expect(err.message).toContain('additionalMounts.0.containerPath: must be an absolute path');
    expect(err.message).toMatch(/extra/);
    expect(err.details?.fields).toContain('agentGroupId');
  });

  it('requires agentGroupId', () => {
    expect(failure({}).message).toContain('agentGroupId:');
  });
});

describe('parseMemory', () => {
  it.each([
    ['2g', 2 * 2 ** 30],
    ['512m', 512 * 2 ** 20],
    ['1.5G', 1.5 * 2 ** 30],
    ['64MiB', 64 * 2 ** 20],
    [1048576, 1048576],
  ] as const)('%s → %d', (input, bytes) => expect(parseMemory(input)).toBe(bytes));
  it.each(['', 'lots', '-1g', '0', 1.5, -4])('rejects %s', (input) => expect(parseMemory(input)).toBeNull());
});

describe('loadContainerJson', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ncl-cj-'));
    await mkdir(join(dir, 'ok'));
    await writeFile(join(dir, 'ok', 'container.json'), JSON.stringify({ agentGroupId: 'ok-group' }));
    await mkdir(join(dir, 'broken'));
    await writeFile(join(dir, 'broken', 'container.json'), '{"agentGroupId": ');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads a valid file', async () => {
    const { file, config } = await loadContainerJson({ groupsDir: dir, folder: 'ok' });
    expect(file).toBe(join(dir, 'ok', 'container.json'));
    expect(config.agentGroupId).toBe('ok-group');
  });
  it('names a missing file and says what to write', async () => {
    await expect(loadContainerJson({ groupsDir: dir, folder: 'nope' })).rejects.toMatchObject({ code: 'no_container_json', hint: expect.stringContaining('agentGroupId') });
  });
  it('reports broken JSON with the file name', async () => {
    await expect(loadContainerJson({ groupsDir: dir, folder: 'broken' })).rejects.toMatchObject({ code: 'bad_container_json', message: expect.stringContaining('broken/container.json') });
  });
  it('refuses a folder that would escape groups/', async () => {
    await expect(loadContainerJson({ groupsDir: dir, folder: '../ok' })).rejects.toMatchObject({ code: 'bad_group_folder' });
  });
});
