import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../lib/runtime/backend';
import { writeFileAtomic, writeJsonAtomic } from '../../lib/runtime/files';
import { makeTmpDir } from '../helpers';

before(async () => {
  await initBackend();
});

const tmp = makeTmpDir('vg-files-');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('writeJsonAtomic', () => {
  test('creates missing folders, writes parseable JSON and leaves no .tmp file', () => {
    const file = path.join(tmp, 'a', 'b', 'run.json');
    const value = { experiment: 'baseline', epochs: [{ epoch: 1, trainLoss: 2.3, layers: [{ name: 'output', saturation: null }] }] };
    writeJsonAtomic(file, value);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), value);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['run.json']);
  });

  test('replaces an existing file by a rename, never by writing into it', () => {
    const file = path.join(tmp, 'replace.json');
    writeJsonAtomic(file, { version: 1, padding: 'x'.repeat(10000) });
    const inodeBefore = fs.statSync(file).ino;
    // a reader that opened the old file keeps seeing the whole old content
    const fd = fs.openSync(file, 'r');
    writeJsonAtomic(file, { version: 2 });
    const old = JSON.parse(fs.readFileSync(fd, 'utf8'));
    fs.closeSync(fd);
    assert.equal(old.version, 1);
    assert.equal(old.padding.length, 10000);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { version: 2 });
    assert.notEqual(fs.statSync(file).ino, inodeBefore, 'the file was rewritten in place');
    assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.includes('.tmp')), []);
  });

  test('a failed write leaves the target as it was and no .tmp file', () => {
    const dir = path.join(tmp, 'target-is-a-folder');
    fs.mkdirSync(path.join(dir, 'x.json'), { recursive: true });
    assert.throws(() => writeFileAtomic(path.join(dir, 'x.json'), 'data'));
    assert.ok(fs.statSync(path.join(dir, 'x.json')).isDirectory(), 'fs.statSync(path.join(dir, x.json)).isDirectory()');
    assert.deepEqual(fs.readdirSync(dir), ['x.json']);
  });
});
