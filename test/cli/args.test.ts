import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Flags, UsageError, parseFlags, usageText } from '../../lib/cli/args';

const FLAGS = {
  n: { kind: 'whole', min: 2, help: 'a count' },
  x: { kind: 'positive', help: 'a rate' },
  mode: { kind: 'choice', choices: ['a', 'b'], help: 'a mode' },
  out: { kind: 'text', meta: 'FILE', help: 'a file' },
  json: { kind: 'optional-text', meta: 'FILE', help: 'JSON, to stdout or FILE' },
  quiet: { kind: 'switch', help: 'say less' },
} satisfies Flags;

const refused = (argv: string[], pattern: RegExp) =>
  assert.throws(() => parseFlags(argv, FLAGS), (e: unknown) => e instanceof UsageError && pattern.test(e.message), argv.join(' '));

describe('parseFlags', () => {
  test('reads values given apart or with =, switches, and positionals in order', () => {
    const { values, positionals } = parseFlags(['first', '--n', '3', '--x=0.5', '--mode', 'b', 'second', '--out', 'o.txt', '--quiet'], FLAGS);
    assert.deepEqual(values, { n: 3, x: 0.5, mode: 'b', out: 'o.txt', quiet: true });
    assert.deepEqual(positionals, ['first', 'second']);
  });

  test('an optional value: the flag alone means "-", a following word is its value', () => {
    assert.equal(parseFlags(['--json'], FLAGS).values.json, '-');
    assert.equal(parseFlags(['--json', '--quiet'], FLAGS).values.json, '-');
    assert.equal(parseFlags(['--json', 'r.json'], FLAGS).values.json, 'r.json');
  });

  test('a value that looks like an option is read, then refused by its own check', () => {
    refused(['--x', '-1'], /^--x must be a number > 0, got "-1"$/);
    refused(['--n', '-3'], /^--n must be a whole number ≥ 2, got "-3"$/);
  });

  test('each mistake is named with what is accepted', () => {
    refused(['--n', '1'], /--n must be a whole number ≥ 2, got "1"/);
    refused(['--mode', 'c'], /--mode must be one of a, b, got "c"/);
    refused(['--out', ''], /--out needs a FILE/);
    refused(['--out'], /--out needs a value/);
    refused(['--quiet=yes'], /--quiet takes no value/);
    refused(['--n', '2', '--n', '3'], /--n is given twice/);
    refused(['--nope'], /unknown option "--nope"/);
    refused(['-q'], /unknown option "-q"/);
    refused(['-h'], /^$/);
    refused(['--help'], /^$/);
  });

  test('usageText lists every flag with its value and help, aligned', () => {
    const text = usageText('cmd [options]', FLAGS, ['  <id>  what to run']);
    const lines = text.split('\n');
    assert.equal(lines[0], 'usage: cmd [options]');
    assert.equal(lines[1], '  <id>  what to run');
    assert.deepEqual(lines.slice(2).map((l) => l.trim().split(/\s{2,}/)), [
      ['--n N', 'a count'], ['--x X', 'a rate'], ['--mode a|b', 'a mode'], ['--out FILE', 'a file'],
      ['--json [FILE]', 'JSON, to stdout or FILE'], ['--quiet', 'say less'],
    ]);
    const helpColumns = Object.values(FLAGS).map((f, i) => lines[i + 2].indexOf(f.help));
    assert.equal(new Set(helpColumns).size, 1, `help texts start in one column: ${helpColumns}`);
  });
});
