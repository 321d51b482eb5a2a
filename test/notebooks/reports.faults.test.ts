/**
 * The reports job the way a user meets faults: `npm run --silent reports` in its own process group,
 * on small notebooks of this test's own (in the project, so tslab finds node_modules), with Ctrl-C,
 * a killed kernel, a killed job, a bad environment, a later job that fails over good reports, a cell
 * failing after the setup cell, a kernel that fails to start, and a reports folder that cannot be
 * written or is full.
 */
import assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { until } from '../helpers';

const root = path.resolve(__dirname, '..', '..');
let dir = '';
let out = '';

interface Cell { cell_type: string; source: string[] }
const code = (source: string): Cell => ({ cell_type: 'code', source: [source] });

function writeNotebook(name: string, cells: Cell[]): void {
  const nb = {
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    cells: [{ cell_type: 'markdown', source: [`# ${name}`], metadata: {}, id: 'm0' },
      ...cells.map((c, i) => ({ ...c, id: `c${i}`, metadata: {}, execution_count: null, outputs: [] }))],
  };
  fs.writeFileSync(path.join(dir, `${name}.ipynb`), JSON.stringify(nb));
}

/** A first cell that says it ran (a file beside the notebook), so that a test stops the job only once cells run. */
const started = (name: string): Cell => code(`import * as fs from 'fs';\nfs.writeFileSync('${name}.started', '');`);

interface Job { child: ChildProcess; out: () => string; err: () => string; exit: Promise<number> }

function job(args: string[] = [], env: Record<string, string> = {}): Job {
  const child = spawn('npm', ['run', '--silent', 'reports', '--', ...args], {
    cwd: root,
    detached: true,
    env: { ...process.env, VG_PRESET: 'smoke', VG_NOTEBOOKS_DIR: dir, VG_REPORTS_DIR: out, VG_STORE_DIR: path.join(dir, 'store'), ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const exit = new Promise<number>((resolve) => child.on('exit', (c, s) => resolve(c ?? 128 + (s === 'SIGINT' ? 2 : s === 'SIGKILL' ? 9 : 15))));
  return { child, out: () => stdout, err: () => stderr, exit };
}


/** tslab kernels started for this test's notebooks (their command names no folder: found by their cwd). */
function kernelsIn(folder: string): number[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => /tslab-kernel\.js kernel/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]))
    .filter((pid) => {
      try {
        return fs.realpathSync(`/proc/${pid}/cwd`) === fs.realpathSync(folder);
      } catch {
        return false;
      }
    });
}

/** Makes kernel starts fail at once (see kernel-fails-to-start.js), counted in VG_TEST_KERNEL_MARKER. */
const failingStarts = { NODE_OPTIONS: `--require ${path.join(__dirname, 'kernel-fails-to-start.js')}` };
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const stat = (f: string) => fs.statSync(path.join(out, f));
/** The index page's list of notebooks (the page also inlines Plotly, whose code says "failed"). */
const index = () => {
  const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
  const list = html.indexOf('<ul>', html.indexOf('<p>Preset'));
  return html.slice(list, html.indexOf('</ul>', list));
};

describe('the reports job under faults', () => {
  before(() => {
    fs.mkdirSync(path.join(root, '.cache'), { recursive: true });
    dir = fs.mkdtempSync(path.join(root, '.cache', 'faulty-notebooks-'));
    out = path.join(dir, 'out');
    fs.symlinkSync(path.join(root, 'lib'), path.join(dir, 'lib'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a bad environment exits 2 before touching anything', async () => {
    writeNotebook('01-quick', [code("console.log('quick');")]);
    const j = job([], { VG_SEED: 'abc' });
    assert.equal(await j.exit, 2, j.err());
    assert.match(j.err(), /VG_SEED must be a whole number ≥ 0, got "abc"/);
    assert.match(j.err(), /Nothing was run/);
    assert.ok(!fs.existsSync(out), 'the job wrote reports');
  });

  it('good reports, then a job that fails on one notebook: the good report stays, the partial one beside it, the index whole', async () => {
    writeNotebook('02-second', [code("console.log('second, first version');")]);
    const first = job();
    assert.equal(await first.exit, 0, first.err());
    const good = fs.readFileSync(path.join(out, '02-second.html'), 'utf8');
    writeNotebook('02-second', [code("console.log('before');"), code("throw new Error('broken on purpose');")]);
    const second = job(['02']);
    assert.equal(await second.exit, 1, second.err());
    assert.match(second.err(), /02-second\.ipynb: code cell 2 failed \(throw new Error\('broken on purpose'\);\)/);
    assert.equal(fs.readFileSync(path.join(out, '02-second.html'), 'utf8'), good, 'the good report was replaced');
    assert.ok(fs.existsSync(path.join(out, '02-second.failed.html')));
    assert.ok(fs.existsSync(path.join(out, 'executed', '02-second.failed.ipynb')));
    const html = index();
    assert.match(html, /<a href="01-quick\.html">01-quick<\/a>/, '`reports -- 02` dropped the other notebook from the index');
    assert.match(html, /<a href="02-second\.html">02-second<\/a> — 02-second \(\d+ s, [\d-]+ [\d:]+\) — its latest run <b style="color:#b00">failed<\/b>/);
    assert.match(html, /<a href="02-second\.failed\.html">the partial report<\/a>/);
    writeNotebook('02-second', [code("console.log('fixed');")]);
    const third = job(['02']);
    assert.equal(await third.exit, 0, third.err());
    assert.ok(!fs.existsSync(path.join(out, '02-second.failed.html')), 'a stale partial report after a good run');
    assert.doesNotMatch(index(), /failed/);
  });

  it('Ctrl-C during a notebook: exit 130, the earlier report kept, the partial beside it, no kernel left, index rewritten', async () => {
    writeNotebook('03-slow', [code("console.log('slow, first version');")]);
    const first = job(['03']);
    assert.equal(await first.exit, 0, first.err());
    const before = stat('03-slow.html').mtimeMs;
    writeNotebook('03-slow', [started('03-slow'), code('await new Promise((resolve) => setTimeout(resolve, 120000));')]);
    const indexBefore = stat('index.html').mtimeMs;
    const j = job(['03']);
    assert.ok(await until(() => fs.existsSync(path.join(dir, '03-slow.started')), 120), 'the first cell never ran');
    await new Promise((r) => setTimeout(r, 1000));
    process.kill(-(j.child.pid as number), 'SIGINT');
    assert.equal(await j.exit, 130, j.err());
    assert.match(j.err(), /03-slow\.ipynb: code cell 2 was running when the job was interrupted \(SIGINT\); the kernel was shut down/);
    assert.equal(stat('03-slow.html').mtimeMs, before, 'the good report was touched');
    assert.ok(fs.existsSync(path.join(out, '03-slow.failed.html')));
    assert.ok(stat('index.html').mtimeMs > indexBefore, 'the index was not rewritten');
    assert.ok(await until(() => kernelsIn(dir).length === 0, 10), `kernels left: ${kernelsIn(dir)}`);
    assert.deepEqual(fs.readdirSync(out).filter((f) => f.endsWith('.tmp') || fs.statSync(path.join(out, f)).size === 0), [], 'half-written files');
  });

  it('Ctrl-C while the kernel starts: exit 130, no cell ran, no kernel left', async () => {
    writeNotebook('03-slow', [code("console.log('never runs');")]);
    // Every bind of the kernel held 60 s (see slow-bind.js): the job is stopped while its kernel starts.
    const j = job(['03'], { NODE_OPTIONS: `--require ${path.join(__dirname, 'slow-bind.js')}`, VG_TEST_BIND_MS: '60000' });
    assert.ok(await until(() => kernelsIn(dir).length > 0, 60), 'no kernel started');
    await new Promise((r) => setTimeout(r, 2000));
    process.kill(-(j.child.pid as number), 'SIGINT');
    assert.equal(await j.exit, 130, j.err());
    assert.match(j.err(), /03-slow\.ipynb: the job was interrupted \(SIGINT\) while the kernel started; it was shut down; no cell ran/);
    assert.doesNotMatch(j.err(), /Traceback/);
    assert.ok(await until(() => kernelsIn(dir).length === 0, 10), `kernels left: ${kernelsIn(dir)}`);
  });

  it('a kernel killed mid-notebook: the job names the notebook and cell', async () => {
    writeNotebook('04-dies', [code("console.log('alive');"), code("process.kill(process.pid, 'SIGKILL');")]);
    const j = job(['04']);
    assert.equal(await j.exit, 1, j.err());
    assert.match(j.err(), /04-dies\.ipynb: code cell 2 was running when the kernel died \(killed, or out of memory\?\) \(process\.kill/);
    assert.ok(fs.existsSync(path.join(out, '04-dies.failed.html')));
    assert.match(index(), /04-dies.*killed, or out of memory/);
  });

  it('a cell failing after the setup cell: the index and status give its notebook and cell, not the kernel\'s last words', async () => {
    writeNotebook('06-setup-then-fails', [code("import * as vg from './lib/index';\nconst ctx = await vg.setup();"), code("throw new Error('cell two broke');")]);
    const j = job(['06']);
    assert.equal(await j.exit, 1, j.err());
    const status = JSON.parse(fs.readFileSync(path.join(out, 'status', '06-setup-then-fails.json'), 'utf8')) as { failure: { message: string } };
    assert.equal(status.failure.message, "code cell 2 failed (throw new Error('cell two broke');)");
    assert.match(index(), /06-setup-then-fails.*code cell 2 failed \(throw new Error\('cell two broke'\);\)/);
    // The kernel shut down cleanly: no stack of the wasm glue's (which killed it when logging a lost message threw).
    assert.doesNotMatch(j.err(), /tf-backend-wasm/);
  });

  it('a kernel that fails to start: the job starts it once more and says so', async () => {
    writeNotebook('07-restart', [code("console.log('ran');")]);
    const marker = path.join(dir, 'kernel-failed-once');
    const j = job(['07'], { ...failingStarts, VG_TEST_KERNEL_MARKER: marker });
    assert.equal(await j.exit, 0, j.err());
    assert.equal(fs.readFileSync(marker, 'utf8').split('\n').filter(Boolean).length, 1, 'the first start was not made to fail');
    assert.doesNotMatch(j.err(), /Traceback/);
    assert.match(j.out(), /07-restart … the kernel did not start \(RuntimeError: Kernel died before replying to kernel_info\); no cell ran: starting it once more … done in \d+ s/);
    assert.ok(fs.existsSync(path.join(out, '07-restart.html')));
    assert.doesNotMatch(index(), /07-restart[^\n]*failed/);
  });

  it('a kernel that fails to start twice: one retry only, then the notebook fails with that reason', async () => {
    writeNotebook('08-never', [code("console.log('never runs');")]);
    const marker = path.join(dir, 'kernel-failed-twice');
    const j = job(['08'], { ...failingStarts, VG_TEST_KERNEL_MARKER: marker, VG_TEST_KERNEL_FAILURES: '5' });
    assert.equal(await j.exit, 1, j.err());
    assert.equal(fs.readFileSync(marker, 'utf8').split('\n').filter(Boolean).length, 2, 'not exactly two starts');
    assert.match(j.out(), /08-never … the kernel did not start .*; no cell ran: starting it once more … FAILED/);
    const status = JSON.parse(fs.readFileSync(path.join(out, 'status', '08-never.json'), 'utf8')) as { failure: { message: string } };
    assert.equal(status.failure.message, 'the kernel did not start (RuntimeError: Kernel died before replying to kernel_info); no cell ran');
    assert.match(index(), /08-never.*the kernel did not start/);
  });

  it('a reports folder that cannot be made: exit 2 before running, naming the folder and VG_REPORTS_DIR', async () => {
    writeNotebook('01-quick', [code("console.log('quick');")]);
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'not a folder');
    const j = job(['01'], { VG_REPORTS_DIR: path.join(file, 'reports') });
    assert.equal(await j.exit, 2, j.err());
    assert.match(j.err(), new RegExp(`reports: cannot write ${escape(path.join(file, 'reports'))} \\(ENOTDIR\\)`));
    assert.match(j.err(), /Make it writable, or point VG_REPORTS_DIR at a folder you can write \(it is .*a-file\/reports\)\. Nothing was run/);
    assert.doesNotMatch(j.out(), /\[1\/1\]/, 'a notebook was run');
  });

  for (const fault of ['read-only', 'full', 'too small'] as const) {
    it(`a reports folder on a ${fault} disk: exit 2 before running, saying why`, async (t) => {
      const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-reports-mnt-'));
      const size = fault === 'too small' ? '4m' : '64k';
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${fault === 'read-only' ? ',ro' : ''}`, 'tmpfs', mnt], { stdio: 'pipe' });
      } catch (e) {
        fs.rmdirSync(mnt);
        t.skip(`cannot mount a tmpfs here (root and mount permission needed): ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`);
        return;
      }
      try {
        if (fault === 'full') {
          try {
            fs.writeFileSync(path.join(mnt, 'filler'), Buffer.alloc(1024 * 1024));
          } catch {
            // ENOSPC: the filler took all there was.
          }
        }
        const reports = fault === 'read-only' ? mnt : path.join(mnt, 'reports');
        const j = job(['01'], { VG_REPORTS_DIR: reports });
        assert.equal(await j.exit, 2, j.err());
        const why = { 'read-only': /cannot write .* \(EROFS\)/, full: /cannot write .* \(ENOSPC\)/, 'too small': /reports has [\d.]+ MB free; 1 report\(s\) need about \d+ MB/ }[fault];
        assert.match(j.err(), why);
        assert.match(j.err(), new RegExp(`point VG_REPORTS_DIR at a folder .*\\(it is ${escape(reports)}\\)\\. Nothing was run`));
        assert.doesNotMatch(j.out(), /\[1\/1\]/, 'a notebook was run');
        assert.deepEqual((fs.readdirSync(mnt, { recursive: true, encoding: 'utf8' }) as string[]).filter((f) => f.includes('.write-probe')), [], 'a probe file was left');
      } finally {
        execFileSync('umount', [mnt]);
        fs.rmdirSync(mnt);
      }
    });
  }

  it('the job killed outright (SIGKILL): its notebook runner and kernel end too', async () => {
    writeNotebook('05-orphan', [started('05-orphan'), code('await new Promise((resolve) => setTimeout(resolve, 120000));')]);
    const j = job(['05']);
    assert.ok(await until(() => fs.existsSync(path.join(dir, '05-orphan.started')), 120), 'the first cell never ran');
    await new Promise((r) => setTimeout(r, 1000));
    // The job is the node process npm started (npm itself cannot pass on a SIGKILL).
    const ps = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' }).split('\n')
      .map((l) => l.trim().split(/\s+/)).find(([, pgid, ...args]) => Number(pgid) === j.child.pid && args.join(' ').includes('scripts/reports.ts'));
    assert.ok(ps, 'the job process');
    process.kill(Number(ps[0]), 'SIGKILL');
    assert.ok(await until(() => kernelsIn(dir).length === 0, 15), `a kernel outlived the job: ${kernelsIn(dir)}`);
    const runners = () => execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('05-orphan.ipynb'));
    assert.ok(await until(() => runners().length === 0, 15), `the notebook runner outlived the job: ${runners()}`);
    assert.ok(fs.existsSync(path.join(out, '05-orphan.failed.html')), 'the runner saved the partial notebook before ending');
  });
});
