/**
 * listenForStop in a real child process with real signals: copies of a signal within a second are one
 * request (a terminal's Ctrl-C relayed by npm), a later one quits at once, the exit code is 128 + n;
 * takeOverInterrupt sets the existing SIGINT handlers aside and puts them back.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as path from 'path';
import { PROJECT_ROOT } from '../helpers';

const SIGNALS = path.join(PROJECT_ROOT, 'lib', 'runtime', 'signals.ts');

/** A child that reports each stop request and otherwise ends on its own after `lifeMs` with `exitCode()`. */
function child(lifeMs: number) {
  const code = `
    const { listenForStop } = require(${JSON.stringify(SIGNALS)});
    const stop = listenForStop({ onStop: (s) => console.log('stop ' + s) });
    console.log('ready');
    setTimeout(() => process.exit(stop.exitCode()), ${lifeMs});`;
  const p = spawn(process.execPath, ['--import', 'tsx', '-e', code], { cwd: PROJECT_ROOT });
  let out = '';
  const ready = new Promise<void>((resolve) => p.stdout.on('data', (d) => { out += d; if (out.includes('ready')) resolve(); }));
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => p.on('exit', (c, s) => resolve({ code: c, signal: s })));
  return { p, ready, exit, out: () => out };
}

describe('listenForStop', () => {
  test('a signal and its relayed copies within a second: one stop request, the job ends itself with 128 + n', async () => {
    const c = child(1500);
    await c.ready;
    c.p.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 100));
    c.p.kill('SIGINT');
    c.p.kill('SIGINT');
    const { code } = await c.exit;
    assert.equal(code, 130);
    assert.equal(c.out().match(/stop SIGINT/g)?.length, 1);
  });

  test('SIGTERM and SIGHUP give 143 and 129', async () => {
    for (const [signal, expected] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
      const c = child(600);
      await c.ready;
      c.p.kill(signal);
      assert.equal((await c.exit).code, expected, signal);
    }
  });

  test('a second signal more than a second later quits at once', async () => {
    const c = child(20_000);
    await c.ready;
    c.p.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 1300));
    const t0 = Date.now();
    c.p.kill('SIGINT');
    const { code } = await c.exit;
    assert.equal(code, 130);
    assert.ok(Date.now() - t0 < 2000, 'it did not wait for the job');
  });
});

describe('takeOverInterrupt', () => {
  test('while taken over, SIGINT is a stop request and the old handler does not run; afterwards it runs again', async () => {
    const code = `
      const { takeOverInterrupt } = require(${JSON.stringify(SIGNALS)});
      process.on('SIGINT', () => console.log('old handler'));
      const t = takeOverInterrupt();
      process.kill(process.pid, 'SIGINT');
      setTimeout(() => {
        console.log('stopping ' + t.stopping());
        t.restore();
        process.kill(process.pid, 'SIGINT');
        setTimeout(() => process.exit(0), 200);
      }, 200);`;
    const p = spawn(process.execPath, ['--import', 'tsx', '-e', code], { cwd: PROJECT_ROOT });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    const exitCode = await new Promise((resolve) => p.on('exit', resolve));
    assert.equal(exitCode, 0);
    assert.equal(out, 'stopping true\nold handler\n');
  });
});
