import { describe, expect, it } from 'vitest';
import { commandPath, minimumNode, nodeAdvice, nodeVersionSatisfies } from './node-version.js';

describe('minimumNode', () => {
  it('reads the lower bound of a >= range', () => {
    expect(minimumNode('>=22.13')).toBe('22.13');
    expect(minimumNode(' >= v24.1.0 ')).toBe('24.1.0');
  });
  it('gives up on other ranges rather than guess', () => {
    for (const r of [undefined, '', '^22', '22.x', '>=22 <25']) expect(minimumNode(r)).toBeUndefined();
  });
});

describe('nodeVersionSatisfies', () => {
  it.each([
    ['20.20.2', '22.13', false],
    ['22.12.9', '22.13', false],
    ['22.13.0', '22.13', true],
    ['v22.13.1', '22.13', true],
    ['23.0.0', '22.13', true],
    ['24.21.0', '22.13', true],
    ['100.0.0', '22.13', true],
    ['9.99.99', '22.13', false],
  ])('%s against >=%s is %s', (version, minimum, ok) => {
    expect(nodeVersionSatisfies(version, minimum)).toBe(ok);
  });
});

describe('nodeAdvice', () => {
  const base = { version: '20.20.2', minimum: '22.13', execPath: '/usr/bin/node', localNode: false };
  it('points at the launcher when setup.sh installed a Node', () => {
    const text = nodeAdvice({ ...base, launcher: './ncl', localNode: true, setup: './setup.sh' });
    expect(text).toContain('Node 20.20.2 (/usr/bin/node)');
    expect(text).toContain('./ncl --help');
    expect(text).not.toContain('Run ./setup.sh');
  });
  it('points at setup.sh, then the launcher, when no Node was installed yet', () => {
    const text = nodeAdvice({ ...base, launcher: '/opt/nanoclaw/ncl', setup: '/opt/nanoclaw/setup.sh' });
    expect(text).toContain('Run /opt/nanoclaw/setup.sh');
    expect(text).toContain('then run commands with /opt/nanoclaw/ncl');
  });
  it('always names the version needed', () => {
    expect(nodeAdvice(base)).toMatch(/needs Node >= 22\.13/);
  });
});

describe('commandPath', () => {
  it('prefixes ./ inside the current directory, so the shell runs the file and not a command on PATH', () => {
    expect(commandPath('ncl', '/p/ncl')).toBe('./ncl');
    expect(commandPath('sub/ncl', '/p/sub/ncl')).toBe('./sub/ncl');
  });
  it('uses the absolute path outside it', () => {
    expect(commandPath('../nanoclaw/ncl', '/p/nanoclaw/ncl')).toBe('/p/nanoclaw/ncl');
    expect(commandPath('', '/p/ncl')).toBe('/p/ncl');
  });
});
