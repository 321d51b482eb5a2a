/**
 * The fused element-wise kernels (lib/runtime/kernels/elementwise.ts) against the tfjs ops they replace, bit for
 * bit: on the wasm backend the module runs them, and every float32 result must be the very value the
 * plain ops give (same operations, same order, IEEE float32). Sizes that are not multiples of four (the
 * module's tails), every byte value, a heap that grows between calls, the fallbacks elsewhere; the
 * optimizers' real `apply` with the kernels against the same code on the cpu backend, where nothing is
 * fused (its float32 results are IEEE's too); and the self-checks: every kernel passes its own on the
 * shipped formulas, and in a copy of the project a learner's edited formula runs as written, its kernel
 * alone standing aside and named, while an edited comment or an edit elsewhere changes nothing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createOptimizer, OptimizerSpec } from '../../../lib/network/optimizers';
import { initBackend } from '../../../lib/runtime/backend';
import '../../../lib/network/fusedcheck';
import {
  FUSED_KERNELS, editedFormulaFiles, fusedBatchNormBackward, fusedKernelOn, fusedKernelsActive, fusedMulAdd, fusedReluBackward, fusedSigmoidBackward,
  fusedScaledBytes, fusedSubMul,
} from '../../../lib/runtime/kernels/elementwise';
import { PROJECT_ROOT, f32, makeTmpDir, randn, rng } from '../../helpers';

before(async () => {
  assert.equal(await initBackend(), 'wasm', 'these tests are about the wasm backend');
});

/** Index of the first element where the two differ as float32 bit patterns (NaN included), or -1. */
function firstBitDifference(a: tf.Tensor, b: tf.Tensor): number {
  const x = new Uint32Array(Float32Array.from(a.dataSync()).buffer);
  const y = new Uint32Array(Float32Array.from(b.dataSync()).buffer);
  assert.equal(x.length, y.length);
  return x.findIndex((v, i) => v !== y[i]);
}

describe('fused element-wise kernels', () => {
  it('the sigmoid backward dy · (y · (1 − y)) is bit-identical to the tfjs ops, every size', () => {
    assert.ok(fusedKernelsActive(), 'the module is in use on wasm');
    for (const n of [1, 3, 4, 5, 8, 127, 512 * 128, 512 * 128 + 3]) {
      const y = tf.sigmoid(tf.tensor1d(f32(randn(n, n, 4))));
      const dy = tf.tensor1d(f32(randn(n, n + 1, 1e-3)));
      const fused = fusedSigmoidBackward(dy, y) as tf.Tensor;
      const plain = tf.mul(dy, tf.mul(y, tf.sub(tf.onesLike(y), y)));
      assert.equal(firstBitDifference(fused, plain), -1, `n ${n}`);
      tf.dispose([y, dy, fused, plain]);
    }
    // Special values pass through as the plain ops take them.
    const y = tf.tensor1d([0, 1, 0.5, NaN, Infinity, -0, 1e-30]);
    const dy = tf.tensor1d([1, -1, Infinity, 1, 1, 2, 1e30]);
    const fused = fusedSigmoidBackward(dy, y) as tf.Tensor;
    assert.equal(firstBitDifference(fused, tf.mul(dy, tf.mul(y, tf.sub(tf.onesLike(y), y)))), -1, 'special values');
    tf.dispose([y, dy, fused]);
  });

  it('ReLU\'s backward dy · step(x) is bit-identical to tfjs\'s own ReLU gradient, zeros, signs and NaN included', () => {
    for (const n of [1, 3, 4, 7, 512 * 128 + 2]) {
      const values = f32(randn(n, 3 * n, 2));
      values[0] = 0;
      if (n > 2) [values[1], values[2]] = [-0, NaN];
      const x = tf.tensor1d(values);
      const dy = tf.tensor1d(f32(randn(n, 5 * n, 1)));
      const fused = fusedReluBackward(dy, x) as tf.Tensor;
      const [vjp] = tf.grads((z: tf.Tensor) => tf.relu(z))([x], dy);
      assert.equal(firstBitDifference(fused, vjp), -1, `n ${n}`);
      tf.dispose([x, dy, fused, vjp]);
    }
  });

  it('BatchNorm\'s element-wise steps, per-column operands, any number of columns: bit-identical to the tfjs ops', () => {
    for (const [rows, cols] of [[1, 1], [3, 5], [8, 4], [512, 128], [7, 131]] as const) {
      const x = tf.tensor2d(f32(randn(rows * cols, rows + cols, 3, 1)), [rows, cols]);
      const dy = tf.tensor2d(f32(randn(rows * cols, rows * cols, 1e-2)), [rows, cols]);
      const [a, b, c] = [1, 2, 3].map((k) => tf.tensor2d(f32(randn(cols, 10 * k + cols, 1, 0.5)), [1, cols]));
      const gamma = tf.tensor1d(f32(randn(cols, 40 + cols, 0.2, 1)));
      const where = `[${rows}, ${cols}]`;
      const pairs: Array<[tf.Tensor | null, tf.Tensor, string]> = [
        [fusedSubMul(x, a, b), tf.mul(tf.sub(x, a), b), 'x̂ = (x − μ) · 1/σ'],
        [fusedMulAdd(x, gamma, c), tf.add(tf.mul(x, gamma), c), 'γ x̂ + β'],
        [fusedBatchNormBackward(dy, x, a, b, c), tf.mul(tf.sub(tf.sub(dy, a), tf.mul(x, b)), c), 'dx'],
      ];
      for (const [fused, plain, what] of pairs) {
        assert.ok(fused, `${where} ${what}: fused`);
        assert.equal(firstBitDifference(fused, plain), -1, `${where} ${what}`);
      }
      tf.dispose([x, dy, a, b, c, gamma, ...pairs.flatMap(([f, p]) => [f as tf.Tensor, p])]);
    }
    const x = tf.ones([4, 3]);
    assert.equal(fusedSubMul(x, tf.ones([1, 4]), tf.ones([1, 3])), null, 'a row of the wrong width');
    assert.equal(fusedMulAdd(x, tf.ones([3, 1]), tf.ones([3])), null, 'a column, not a row');
  });

  it('the sigmoid backward declines what it does not handle', () => {
    const y = tf.ones([4, 3]);
    assert.equal(fusedSigmoidBackward(tf.ones([3, 4]), y), null, 'different shapes');
    assert.equal(fusedSigmoidBackward(tf.ones([4, 3], 'int32'), y), null, 'int32');
  });

  it('a batch\'s bytes / 255: every byte value as the tfjs division gives it, tails, the heap growing', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const t = fusedScaledBytes(all, [16, 16], 255) as tf.Tensor;
    assert.deepEqual(t.shape, [16, 16]);
    Array.from(t.dataSync()).forEach((v, b) => assert.equal(v, Math.fround(b / 255), `byte ${b}`));
    t.dispose();
    const r = rng(7);
    for (const n of [1, 2, 3, 5, 784, 512 * 784 + 1]) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
      const fused = fusedScaledBytes(bytes, [n], 255) as tf.Tensor;
      const plain = tf.div(tf.tensor1d(new Float32Array(bytes)), 255);
      assert.equal(firstBitDifference(fused, plain), -1, `n ${n}`);
      tf.dispose([fused, plain]);
    }
    // A bigger batch than any before grows the scratch block; a tensor made in between grows the heap.
    const big = Uint8Array.from({ length: 3 * 512 * 784 }, (_, i) => (i * 31) % 256);
    const filler = tf.zeros([32 * 1024 * 1024]);
    const out = fusedScaledBytes(big, [3 * 512, 784], 255) as tf.Tensor;
    assert.equal(firstBitDifference(out, tf.div(tf.tensor2d(new Float32Array(big), [3 * 512, 784]), 255)), -1, 'after growth');
    tf.dispose([filler, out]);
    assert.throws(() => fusedScaledBytes(new Uint8Array(10), [3, 4], 255), /10 bytes do not fill shape \[3,4\]/);
  });

  it('SGD and Adam: the real apply, fused on wasm, bit-identical to its tfjs ops on the cpu backend', async () => {
    const shapes = [[5], [7, 3], [128, 128], [3, 131]];
    const weights = shapes.map((s, k) => f32(randn(tf.util.sizeFromShape(s), 10 + k, 0.3)));
    // gradients from 1e-9 to 10: Adam's ε and its square root both matter somewhere
    const grads = [0, 1, 2].map((step) => shapes.map((s, k) => f32(randn(tf.util.sizeFromShape(s), 100 * step + k, 1)
      .map((g, i) => g * 10 ** ((i % 11) - 9)))));
    const specs: OptimizerSpec[] = [{ kind: 'sgd', lr: 0.037 }, { kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }];
    const train = async (spec: OptimizerSpec) => {
      const vars = shapes.map((s, k) => tf.variable(tf.tensor(weights[k], s)));
      const opt = createOptimizer(spec);
      const deltas: number[][] = [];
      const kernels = new Set<string>();
      for (const step of grads) {
        const info = await tf.profile(() => {
          tf.tidy(() => {
            opt.apply(vars, step.map((g, k) => tf.tensor(g, shapes[k]))).forEach((d) => deltas.push(Array.from(d.dataSync())));
          });
        });
        info.kernels.forEach((k) => kernels.add(k.name));
      }
      const after = vars.map((v) => Array.from(v.dataSync()));
      opt.dispose();
      vars.forEach((v) => v.dispose());
      return { deltas, after, kernels };
    };
    const bits = (xs: number[][]) => xs.map((x) => Array.from(new Uint32Array(Float32Array.from(x).buffer)));
    for (const spec of specs) {
      const fused = await train(spec);
      assert.ok(fused.kernels.has(spec.kind === 'sgd' ? 'VgSgdStep' : 'VgAdamStep'), `${spec.kind}: the fused kernel ran (${[...fused.kernels]})`);
      assert.ok(!fused.kernels.has('Sub'), `${spec.kind}: no plain op ran`);
      await tf.setBackend('cpu');
      try {
        const plain = await train(spec);
        assert.ok(!plain.kernels.has('VgSgdStep') && !plain.kernels.has('VgAdamStep'));
        assert.deepEqual(bits(fused.deltas), bits(plain.deltas), `${spec.kind}: updates`);
        assert.deepEqual(bits(fused.after), bits(plain.after), `${spec.kind}: weights after 3 steps`);
      } finally {
        await tf.setBackend('wasm');
      }
    }
  });

  it('every fused kernel passes its self-check against the formulas as shipped', () => {
    assert.deepEqual(FUSED_KERNELS.filter((k) => !fusedKernelOn(k)), [], 'kernels that stood aside');
    assert.deepEqual(editedFormulaFiles(), [], 'what the setup cell would name');
  });

  /** A copy of the project (its lib/, package.json, the installed packages) with `edits` made to lib/network/ files. */
  function copyWithEdits(edits: Array<{ file: string; from: string; to: string }>): string {
    const root = makeTmpDir('vg-formula-');
    fs.cpSync(path.join(PROJECT_ROOT, 'lib'), path.join(root, 'lib'), { recursive: true });
    fs.copyFileSync(path.join(PROJECT_ROOT, 'package.json'), path.join(root, 'package.json'));
    fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'));
    for (const { file, from, to } of edits) {
      const at = path.join(root, 'lib', 'network', file);
      const text = fs.readFileSync(at, 'utf8');
      assert.ok(text.includes(from), `${file} holds ${from}, as this test knows it`);
      fs.writeFileSync(at, text.replace(from, to));
    }
    return root;
  }

  /** In the copy at `root`: which kernels are on, what the setup cell names, a sigmoid gradient and an SGD step, and which kernels computed them. */
  function runIn(root: string) {
    const script = `
      const tf = require('@tensorflow/tfjs');
      require('./lib/network/models'); // as training loads the network, with the kernels' checks
      require('./lib/runtime/backend').initBackend().then(async (backend) => {
        const { sigmoid } = require('./lib/network/activations');
        const { createOptimizer } = require('./lib/network/optimizers');
        const el = require('./lib/runtime/kernels/elementwise');
        const x = tf.tensor1d([-2, 0, 0.5, 3]);
        let grad, step;
        const info = await tf.profile(() => {
          grad = Array.from(tf.grad((z) => sigmoid(z))(x).dataSync());
          const w = tf.variable(tf.tensor1d([1, 2, 3]));
          step = Array.from(createOptimizer({ kind: 'sgd', lr: 0.5 }).apply([w], [tf.tensor1d([1, 1, 1])])[0].dataSync());
        });
        console.log(JSON.stringify({ backend, grad, step, edited: el.editedFormulaFiles(), on: el.FUSED_KERNELS.filter((k) => el.fusedKernelOn(k)), ran: info.kernels.map((k) => k.name) }));
      });`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { backend: string; grad: number[]; step: number[]; edited: string[]; on: string[]; ran: string[] };
    return { ...out, stderr: r.stderr };
  }

  it('a learner who edits the sigmoid\'s gradient and SGD\'s step gets the edited results, those two kernels aside and named, the others on', () => {
    const root = copyWithEdits([
      { file: 'activations.ts', from: 'tf.mul(dy, tf.mul(y, tf.sub(tf.onesLike(y), y)))', to: 'tf.mul(dy, tf.onesLike(y))' },
      { file: 'optimizers.ts', from: 'const delta = tf.mul(g, this.lr);', to: 'const delta = tf.mul(tf.mul(g, this.lr), 2);' },
    ]);
    const edited = runIn(root);
    assert.equal(edited.backend, 'wasm');
    assert.deepEqual(edited.grad, [1, 1, 1, 1], 'the edited gradient (dy · 1) is the one computed');
    assert.deepEqual(edited.step, [1, 1, 1], 'the edited step (2 · lr · g) is the one applied');
    assert.ok(!edited.ran.includes('VgSigmoidBackward') && !edited.ran.includes('VgSgdStep'), `the two kernels stand aside (${edited.ran})`);
    assert.deepEqual(edited.on, FUSED_KERNELS.filter((k) => k !== 'VgSigmoidBackward' && k !== 'VgSgdStep'), 'every other kernel stays on');
    assert.deepEqual(edited.edited, ["lib/network/activations.ts (the sigmoid's gradient)", "lib/network/optimizers.ts (SGD's step)"], 'what the setup cell names');
    assert.match(edited.stderr, /lib\/network\/activations\.ts: the sigmoid's gradient does not compute what its fused kernel does: it runs as written/);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('an edited comment, or an edit to a function no kernel replaces, keeps every kernel on', () => {
    const root = copyWithEdits([
      { file: 'activations.ts', from: ' * What each activation is, in one table', to: ' * What each activation is (a learner\'s note), in one table' },
      { file: 'activations.ts', from: ': tf.equal(a, 0);', to: ': tf.lessEqual(a, 0);' },
      { file: 'normalization.ts', from: 'const y = tf.div(tf.sub(xs as tf.Tensor, mean), std);', to: 'const y = tf.mul(tf.sub(xs as tf.Tensor, mean), 1 / std);' },
    ]);
    const run = runIn(root);
    assert.deepEqual(run.on, FUSED_KERNELS, 'every kernel on');
    assert.deepEqual(run.edited, []);
    assert.ok(run.ran.includes('VgSigmoidBackward') && run.ran.includes('VgSgdStep'), `the fused kernels ran (${run.ran})`);
    const sig = (z: number) => 1 / (1 + Math.exp(-z));
    run.grad.forEach((g, i) => assert.ok(Math.abs(g - sig([-2, 0, 0.5, 3][i]) * (1 - sig([-2, 0, 0.5, 3][i]))) < 1e-6));
    assert.deepEqual(run.step, [0.5, 0.5, 0.5]);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('elsewhere the functions return null and the callers run the tfjs ops', async () => {
    await tf.setBackend('cpu');
    try {
      assert.ok(!fusedKernelsActive());
      assert.equal(fusedSigmoidBackward(tf.ones([2]), tf.ones([2])), null);
      assert.equal(fusedScaledBytes(new Uint8Array(2), [2], 255), null);
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
