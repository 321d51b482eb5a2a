import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { sourceMarkdown, sourceOf } from '../../lib/presentation/source';
import { PROJECT_ROOT } from '../helpers';

const file = (f: string) => fs.readFileSync(path.join(PROJECT_ROOT, 'lib', f), 'utf8');

describe('sourceOf', () => {
  test('a top-level declaration with its doc comment, exactly as the file has it', () => {
    const text = sourceOf('network/gradnorm.ts', 'gradNorm');
    assert.match(text, /^\/\*\* .*\*\/\nexport const gradNorm/s);
    assert.ok(text.trimEnd().endsWith(';'), 'up to the end of the statement');
    assert.ok(file('network/gradnorm.ts').includes(text), 'a verbatim slice of the file');
  });

  test('a function and a class member, dedented', () => {
    const fn = sourceOf('network/init.ts', 'initDense');
    assert.match(fn, /^\/\*\* Initial kernel/);
    assert.match(fn, /export function initDense\(/);
    const member = sourceOf('network/models.ts', 'MLP.forward');
    assert.match(member, /^\/\*\* Logits .*\*\/\nforward\(x: tf\.Tensor2D/s, 'no class indentation on the first lines');
    assert.match(member, /\n}$/, 'the closing brace at column 0');
    assert.ok(file('network/models.ts').includes(member.split('\n').slice(0, 2).map((l) => `  ${l}`).join('\n')), 'the member as written, indented by two in the class');
  });

  test('no such declaration or file: an error naming what the file declares', () => {
    assert.throws(() => sourceOf('network/gradnorm.ts', 'gradNorms'), /lib\/network\/gradnorm\.ts has no declaration gradNorms; it declares .*gradNorm/);
    assert.throws(() => sourceOf('network/models.ts', 'MLP.backward'), /has no declaration MLP\.backward/);
    assert.throws(() => sourceOf('network/nope.ts', 'x'), /no file lib\/network\/nope\.ts/);
  });

  test('sourceMarkdown: one TypeScript block naming the file', () => {
    const md = sourceMarkdown('network/gradnorm.ts', 'normalizeGradient', 'gradNorm');
    assert.match(md, /^From `lib\/network\/gradnorm\.ts`.*\n\n```ts\n/);
    assert.ok(md.endsWith('\n```'));
    assert.ok(md.includes(sourceOf('network/gradnorm.ts', 'normalizeGradient')) && md.includes(sourceOf('network/gradnorm.ts', 'gradNorm')));
  });
});
