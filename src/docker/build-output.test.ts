import { describe, expect, it } from 'vitest';
import { interpretBuildEvent, missingBaseImage, splitJsonLines } from './build-output.js';

describe('interpretBuildEvent', () => {
  it('turns stream text into trimmed, non-empty lines', () => {
    expect(interpretBuildEvent({ stream: 'Step 1/9 : FROM base\n ---> 1a2b\n\n' })).toEqual({
      type: 'lines',
      lines: ['Step 1/9 : FROM base', ' ---> 1a2b'],
    });
    expect(interpretBuildEvent({ stream: '\n' })).toBeNull();
  });

  it('reports errors (errorDetail first), the image id, and pull status without byte counters', () => {
    expect(interpretBuildEvent({ error: 'x', errorDetail: { message: 'COPY failed: no such file\n' } })).toEqual({
      type: 'error',
      message: 'COPY failed: no such file',
    });
    expect(interpretBuildEvent({ aux: { ID: 'sha256:abc' } })).toEqual({ type: 'image', id: 'sha256:abc' });
    expect(interpretBuildEvent({ status: 'Downloading', id: 'l1', progressDetail: { current: 5, total: 9 } })).toBeNull();
    expect(interpretBuildEvent({ status: 'Pull complete', id: 'l1', progressDetail: {} })).toEqual({ type: 'lines', lines: ['l1: Pull complete'] });
  });
});

describe('splitJsonLines', () => {
  it('parses complete lines and keeps a partial one for the next chunk', () => {
    const first = splitJsonLines('{"stream":"a\\n"}\n{"stre');
    expect(first.events).toEqual([{ stream: 'a\n' }]);
    const second = splitJsonLines(first.rest + 'am":"b"}\nnot json\n');
    expect(second.events).toEqual([{ stream: 'b' }, { stream: 'not json' }]);
    expect(second.rest).toBe('');
  });
});

describe('missingBaseImage', () => {
  it('recognises a base image that could not be pulled, and not other failures', () => {
    expect(missingBaseImage('pull access denied for nope, repository does not exist or may require docker login')).toBe(true);
    expect(missingBaseImage('Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host')).toBe(true);
    expect(missingBaseImage('COPY failed: file not found in build context')).toBe(false);
  });
});
