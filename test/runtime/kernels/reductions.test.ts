/**
 * The statistics' sums (lib/runtime/kernels/reductions.ts) against plain float64 loops written here: in the
 * WebAssembly module on the wasm heap, and as the JavaScript loops on the cpu backend. Sizes that are
 * not multiples of four (the module's tails), saturation bounds hit exactly, non-finite values, and a
 * heap that grows between calls.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../lib/runtime/backend';
import { NO_SLOPE, SlopeCoefficients, columnDots, columnSums, countOutside, dotSums, heapKernelsActive, sums } from '../../../lib/runtime/kernels/reductions';
import { assertClose, f32, randn } from '../../helpers';

before(async () => {
  assert.equal(await initBackend(), 'wasm', 'these tests are about the wasm backend');
});

function referenceSums(v: number[]): [number, number, number] {
  let s = 0;
  let q = 0;
  let a = 0;
  for (const x of v) {
    s += x;
    q += x * x;
    a += Math.abs(x);
  }
  return [s, q, a];
}

type Slope = 'none' | 'sigmoid' | 'tanh' | 'relu';

/** Each slope's coefficients (as network/activations.ts gives them) and the derivative they stand for. */
const COEFFICIENTS: Record<Slope, SlopeCoefficients> = { none: NO_SLOPE, sigmoid: [0, 1, -1, 0], tanh: [1, 0, -1, 0], relu: [0, 0, 0, 1] };
const PHI: Record<Slope, (y: number) => number> = {
  none: () => 0,
  sigmoid: (y) => y * (1 - y),
  tanh: (y) => 1 - y ** 2,
  relu: (y) => (y > 0 ? 1 : 0),
};

function referenceColumns(v: number[], rows: number, cols: number, slope: Slope): number[][] {
  const out = [new Array(cols).fill(0), new Array(cols).fill(0), new Array(cols).fill(0)];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = v[r * cols + c];
      out[0][c] += x;
      out[1][c] += x * x;
      out[2][c] += PHI[slope](x) ** 2;
    }
  }
  return out;
}

/** Runs `check` on the wasm backend (the module) and on the cpu backend (the JavaScript loops). */
async function onBothBackends(check: (backend: string) => void): Promise<void> {
  assert.ok(heapKernelsActive(), 'the module is in use on wasm');
  check('wasm');
  await tf.setBackend('cpu');
  try {
    assert.ok(!heapKernelsActive());
    check('cpu');
  } finally {
    await tf.setBackend('wasm');
  }
}

describe('reductions', () => {
  it('sums: Σx, Σx², Σ|x| of every size, in float64', async () => {
    await onBothBackends((backend) => {
      for (const n of [1, 3, 4, 5, 8, 1027, 65536 + 3]) {
        const v = f32(randn(n, n, 0.7, 0.1));
        const t = tf.tensor1d(v);
        const got = sums(t);
        const want = referenceSums(v);
        for (let k = 0; k < 3; k++) assertClose(got[k], want[k], { rtol: 1e-12, atol: 1e-12, msg: `${backend}, n ${n}, sum ${k}` });
        t.dispose();
      }
    });
  });

  it('sums of non-finite values are not finite (the divergence check)', async () => {
    await onBothBackends((backend) => {
      const cases: Array<[number[], (s: number) => boolean]> = [
        [[1, 2, NaN, 4, 5], Number.isNaN],
        [[1, 2, 3, 4, Infinity], (s) => s === Infinity],
        [[Infinity, 1, 2, 3, -Infinity, 0, 0, 0, 0], Number.isNaN],
        [[3.4e38, 3.4e38, 3.4e38, 3.4e38, 3.4e38], Number.isFinite],
      ];
      for (const [v, ok] of cases) {
        const t = tf.tensor1d(v);
        assert.ok(ok(sums(t)[0]), `${backend}: Σ[${v}] = ${sums(t)[0]}`);
        t.dispose();
      }
    });
  });

  it('countOutside: strictly below lo or above hi, float32 bounds, NaN never', async () => {
    await onBothBackends((backend) => {
      const lo = 0.01;
      const hi = 0.99;
      const v = [Math.fround(lo), Math.fround(hi), 0.0099, 0.991, 0.5, NaN, -1, 2, Math.fround(lo), 0.3, 0.999];
      const t = tf.tensor1d(v);
      // 0.0099, 0.991, -1, 2, 0.999 — not the bounds themselves, not NaN
      assert.equal(countOutside(t, lo, hi), 5, backend);
      assert.equal(countOutside(t, 0, 0), 10, `${backend}: everything but NaN is ≠ 0`);
      t.dispose();
      const many = f32(randn(4099, 5));
      const m = tf.tensor1d(many);
      assert.equal(countOutside(m, -0.5, 0.8), many.filter((x) => x < -0.5 || x > 0.8).length, `${backend}, 4099 values`);
      m.dispose();
    });
  });

  it('columnSums: per column Σx, Σx², Σφ\'² for every slope, any number of columns', async () => {
    await onBothBackends((backend) => {
      for (const [rows, cols] of [[7, 6], [3, 1], [1, 5], [5, 8], [512, 128], [33, 131]] as const) {
        const v = f32(randn(rows * cols, rows + cols, 1.5)).map((x) => Math.fround(1 / (1 + Math.exp(-x)) - (cols % 2 ? 0.3 : 0)));
        const t = tf.tensor2d(v, [rows, cols]);
        for (const slope of ['none', 'sigmoid', 'tanh', 'relu'] as const) {
          const got = columnSums(t, COEFFICIENTS[slope]);
          const want = referenceColumns(v, rows, cols, slope);
          [got.sum, got.sumSq, got.slopeSq].forEach((g, k) => {
            assert.equal(g.length, cols);
            g.forEach((x, c) => assertClose(x, want[k][c], { rtol: 1e-12, atol: 1e-12, msg: `${backend} [${rows}, ${cols}] ${slope}: array ${k}, column ${c}` }));
          });
        }
        t.dispose();
      }
      assert.throws(() => columnSums(tf.zeros([2, 3, 4]), NO_SLOPE), /needs a matrix, got shape \[2,3,4\]/);
    });
  });

  it('dotSums and columnDots: Σa and Σa·b, in all and per column, in float64', async () => {
    await onBothBackends((backend) => {
      for (const [rows, cols] of [[1, 1], [3, 1], [1, 5], [7, 6], [5, 8], [512, 128], [33, 131]] as const) {
        const a = f32(randn(rows * cols, rows * cols, 2, 0.3));
        const b = f32(randn(rows * cols, rows + 7 * cols, 0.5, -0.1));
        const [ta, tb] = [tf.tensor2d(a, [rows, cols]), tf.tensor2d(b, [rows, cols])];
        const [s, d] = dotSums(ta, tb);
        assertClose(s, a.reduce((x, y) => x + y, 0), { rtol: 1e-12, atol: 1e-12, msg: `${backend} [${rows}, ${cols}] Σa` });
        assertClose(d, a.reduce((x, y, i) => x + y * b[i], 0), { rtol: 1e-12, atol: 1e-12, msg: `${backend} [${rows}, ${cols}] Σa·b` });
        const got = columnDots(ta, tb);
        for (let c = 0; c < cols; c++) {
          let ws = 0;
          let wd = 0;
          for (let r = 0; r < rows; r++) {
            ws += a[r * cols + c];
            wd += a[r * cols + c] * b[r * cols + c];
          }
          assertClose(got.sum[c], ws, { rtol: 1e-12, atol: 1e-12, msg: `${backend} [${rows}, ${cols}] column ${c} Σa` });
          assertClose(got.dot[c], wd, { rtol: 1e-12, atol: 1e-12, msg: `${backend} [${rows}, ${cols}] column ${c} Σa·b` });
        }
        tf.dispose([ta, tb]);
      }
      assert.throws(() => dotSums(tf.zeros([2, 3]), tf.zeros([3, 2])), /two tensors of one shape, got \[2,3\] and \[3,2\]/);
      assert.throws(() => columnDots(tf.zeros([6]), tf.zeros([6])), /needs matrices, got shape \[6\]/);
    });
  });

  it('reads the right values after the heap grows', () => {
    const before = tf.tensor2d(f32(randn(64 * 12, 3)), [64, 12]);
    const big = tf.zeros([64 * 1024 * 1024]);
    const after = tf.tensor2d(f32(randn(64 * 12, 4)), [64, 12]);
    for (const t of [before, after]) {
      const v = Array.from(t.dataSync());
      assertClose(sums(t)[1], referenceSums(v)[1], { rtol: 1e-12 });
      assertClose(columnSums(t, COEFFICIENTS.sigmoid).slopeSq[11], referenceColumns(v, 64, 12, 'sigmoid')[2][11], { rtol: 1e-12 });
      assertClose(columnDots(t, t).dot[11], referenceColumns(v, 64, 12, 'none')[1][11], { rtol: 1e-12 });
      assertClose(dotSums(t, t)[1], referenceSums(v)[1], { rtol: 1e-12 });
    }
    tf.dispose([before, big, after]);
  });
});
