import { describe, expect, it } from 'vitest';
import { NanoclawError } from '../common/errors.js';
import { parseEnvFile, parseEnvFileStrict, removeEnvKeys, serializeEnvFile, setEnvValue } from './env-file.js';

function values(text: string): Record<string, string> {
  return { ...parseEnvFile(text).toRecord() };
}

/** Applies `setEnvValue` to `text` and returns the new bytes. */
function set(text: string, key: string, value: string): string {
  const doc = parseEnvFile(text);
  setEnvValue(doc, key, value);
  const out = serializeEnvFile(doc);
  expect(parseEnvFile(out).get(key)).toBe(value);
  return out;
}

describe('parseEnvFile values', () => {
  it('reads unquoted values, trimmed, with a comment only after a blank', () => {
    expect(values('A=plain\nB=  spaced out  \nC=abc # note\nD=abc#def\nE=\nF=# only a comment\n')).toEqual({
      A: 'plain',
      B: 'spaced out',
      C: 'abc',
      D: 'abc#def',
      E: '',
      F: '',
    });
  });

  it('reads single and backtick quotes literally and double quotes with escapes', () => {
    const text = `S='a\\nb # not a comment'\nT=\`x "y" 'z'\`\nD="tab\\tnl\\ncr\\rq\\"bs\\\\other\\x"\n`;
    expect(values(text)).toEqual({
      S: 'a\\nb # not a comment',
      T: `x "y" 'z'`,
      D: 'tab\tnl\ncr\rq"bs\\other\\x',
    });
  });

  it('reads export prefixes, blanks around =, dotted keys and a byte-order mark', () => {
    expect(values('\uFEFFexport A=1\n  export\tB = 2\nexport=3\nC.D-E=4\n')).toEqual({ A: '1', B: '2', export: '3', 'C.D-E': '4' });
  });

  it('reads multi-line quoted values, with \\n for a CRLF inside them', () => {
    const doc = parseEnvFile('A="one\r\ntwo"\r\nB=\'x\ny\' # c\nC=after\n');
    expect(doc.get('A')).toBe('one\ntwo');
    expect(doc.get('B')).toBe('x\ny');
    expect(doc.entries()).toEqual([
      { key: 'A', value: 'one\ntwo', line: 1 },
      { key: 'B', value: 'x\ny', line: 3 },
      { key: 'C', value: 'after', line: 5 },
    ]);
  });

  it('lets the last assignment win and lists every occurrence', () => {
    const doc = parseEnvFile('K=1\nO=x\nK="2"\n');
    expect(doc.get('K')).toBe('2');
    expect(doc.get('MISSING')).toBeUndefined();
    expect(doc.keys()).toEqual(['K', 'O']);
    expect(doc.entries().map((e) => [e.key, e.value, e.line])).toEqual([
      ['K', '1', 1],
      ['O', 'x', 2],
      ['K', '2', 3],
    ]);
  });
});

describe('parseEnvFile warnings', () => {
  const text = 'OK=1\nnot an assignment s3cretA\n# comment\n\nQ=\'v\' s3cretB\nU="s3cretC\nZ=2\n';

  it('keeps what it does not understand and names the lines', () => {
    const doc = parseEnvFile(text);
    expect(serializeEnvFile(doc)).toBe(text);
    expect(doc.warnings.map((w) => [w.line, w.code])).toEqual([
      [2, 'not_assignment'],
      [5, 'text_after_quote'],
      [6, 'unterminated_quote'],
    ]);
    expect(doc.get('Q')).toBe('v');
    expect(doc.get('U')).toBe('"s3cretC');
    expect(doc.get('Z')).toBe('2');
  });

  it('never puts a value in a warning', () => {
    const messages = parseEnvFile(text).warnings.map((w) => w.message).join('\n');
    expect(messages).not.toMatch(/s3cret/);
  });

  it('is an error with the line number in the strict variant', () => {
    expect(() => parseEnvFileStrict(text, { source: '/p/.env' })).toThrowError(/\/p\/\.env, line 2: .*\(and 2 more\)/);
    try {
      parseEnvFileStrict('A=1\nB="s3cretD\n');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(NanoclawError);
      expect((err as NanoclawError).code).toBe('bad_env_file');
      expect((err as NanoclawError).hint).toContain('line 2');
      expect((err as NanoclawError).message).not.toContain('s3cret');
    }
    expect(parseEnvFileStrict('A=1\n# fine\n').get('A')).toBe('1');
  });
});

describe('setEnvValue', () => {
  it('rewrites only the value of the last occurrence, keeping export, blanks and comment', () => {
    expect(set('A=1\n  export K = old   # note\nK=mid # last\nB=2\n', 'K', 'new')).toBe(
      'A=1\n  export K = old   # note\nK=new # last\nB=2\n',
    );
  });

  it('keeps the quoting style where the value reads back the same', () => {
    expect(set("K='old'\n", 'K', 'new')).toBe("K='new'\n");
    expect(set('K="old"\n', 'K', 'it\'s "x"')).toBe('K="it\'s \\"x\\""\n');
    expect(set('K=`old`\n', 'K', 'a b')).toBe('K=`a b`\n');
    expect(set("K='old'\n", 'K', "it's")).toBe('K="it\'s"\n');
  });

  it('quotes values with blanks, #, $, quotes, backslashes or line breaks', () => {
    expect(set('K=old\n', 'K', 'a b')).toBe("K='a b'\n");
    expect(set('K=old\n', 'K', 'a#b')).toBe("K='a#b'\n");
    expect(set('K=old\n', 'K', '$HOME')).toBe("K='$HOME'\n");
    expect(set('K=old\n', 'K', 'one\ntwo\\')).toBe('K="one\\ntwo\\\\"\n');
    expect(set('K=old\n', 'K', 'http://h:1/p?a=b')).toBe("K='http://h:1/p?a=b'\n");
    expect(set('K=old\n', 'K', 'oc_abc+/=')).toBe('K=oc_abc+/=\n');
  });

  it('replaces a multi-line value and leaves the following lines alone', () => {
    expect(set('K="a\nb\nc" # c\nN=1\n', 'K', 'x')).toBe('K="x" # c\nN=1\n');
  });

  it('keeps a comment a comment and text after a quote after a quote', () => {
    expect(set("K='v'# c\n", 'K', 'plain')).toBe("K='plain'# c\n");
    expect(set('K= # empty\n', 'K', 'v')).toBe('K=v # empty\n');
    expect(set('K=# empty\n', 'K', 'v')).toBe('K=v # empty\n');
    expect(set("K='v' junk\n", 'K', 'plain')).toBe("K='plain' junk\n");
  });

  it('appends with the dominant line ending, adding a final newline first', () => {
    expect(set('', 'K', 'v')).toBe('K=v\n');
    expect(set('A=1', 'K', 'v')).toBe('A=1\nK=v\n');
    expect(set('A=1\r\nB=2\r\nC=3\n', 'K', 'v')).toBe('A=1\r\nB=2\r\nC=3\nK=v\r\n');
    expect(set('# c\r\nA=1', 'K', 'v')).toBe('# c\r\nA=1\r\nK=v\r\n');
  });

  it('refuses an invalid key', () => {
    const doc = parseEnvFile('');
    expect(() => setEnvValue(doc, 'BAD KEY', 'v')).toThrowError(expect.objectContaining({ code: 'bad_env_key' }));
  });

  it('refuses, leaving the document unchanged, an edit that would close a quote left open', () => {
    const text = 'A="open\nB=1\n';
    const doc = parseEnvFile(text);
    expect(() => setEnvValue(doc, 'K', 'say "hi"')).toThrowError(
      expect.objectContaining({ code: 'env_edit_unsafe', hint: expect.stringContaining('line 1') }),
    );
    expect(serializeEnvFile(doc)).toBe(text);
    setEnvValue(doc, 'K', 'plain');
    expect(serializeEnvFile(doc)).toBe('A="open\nB=1\nK=plain\n');
  });
});

describe('removeEnvKeys', () => {
  it('removes every occurrence, multi-line ones whole, and nothing else', () => {
    const doc = parseEnvFile('# top\nK=1\nA=2\nexport K="x\ny" # c\r\n\nL=3\nB=4');
    expect(removeEnvKeys(doc, ['K', 'L', 'ABSENT'])).toBe(3);
    expect(serializeEnvFile(doc)).toBe('# top\nA=2\n\nB=4');
  });

  it('keeps a byte-order mark when the first line goes', () => {
    const doc = parseEnvFile('\uFEFFK=1\nA=2\n');
    removeEnvKeys(doc, ['K']);
    expect(serializeEnvFile(doc)).toBe('\uFEFFA=2\n');
    expect(parseEnvFile(serializeEnvFile(doc)).get('A')).toBe('2');
  });
});
