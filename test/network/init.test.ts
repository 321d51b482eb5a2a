import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/runtime/backend';
import { Init, describeInit, initDense } from '../../lib/network/init';
import { assertClose, mean, std } from '../helpers';

before(async () => {
  await initBackend();
});

function sample(fanIn: number, fanOut: number, init: Init, seed = 7) {
  const { kernel, bias } = initDense(fanIn, fanOut, init, seed);
  assert.deepEqual(kernel.shape, [fanIn, fanOut]);
  assert.deepEqual(bias.shape, [fanOut]);
  const out = { w: Array.from(kernel.dataSync()), b: Array.from(bias.dataSync()) };
  kernel.dispose();
  bias.dispose();
  return out;
}

const minMax = (xs: number[]) => xs.reduce(([lo, hi], v) => [Math.min(lo, v), Math.max(hi, v)], [Infinity, -Infinity]);

/** Fraction of |x| ≤ s: 0.683 for a normal of std s, 0.577·… for a uniform; tells the shapes apart. */
const withinOne = (xs: number[], s: number) => xs.filter((v) => Math.abs(v) <= s).length / xs.length;

// 784 × 500 = 392,000 samples: the sample variance is then within ~0.5 % of the true one.
const FAN_IN = 784;
const FAN_OUT = 500;

describe('initialisation statistics against their formulas', () => {
  test('torch-default: W and b ~ U(±1/sqrt(fan_in)), variance bound²/3', () => {
    const bound = 1 / Math.sqrt(FAN_IN);
    const { w, b } = sample(FAN_IN, FAN_OUT, { kind: 'torch-default' });
    const [lo, hi] = minMax(w);
    assert.ok(lo >= -bound && hi <= bound, `kernel in [${lo}, ${hi}], bound ${bound}`);
    assert.ok(lo < -0.99 * bound && hi > 0.99 * bound, 'kernel does not fill its range');
    assertClose(std(w) ** 2, bound ** 2 / 3, { rtol: 0.02, msg: 'kernel variance' });
    assert.ok(Math.abs(mean(w)) < 5 * (bound / Math.sqrt(3)) / Math.sqrt(w.length), `kernel mean ${mean(w)}`);
    // the bias: the same distribution, not zeros (PyTorch nn.Linear)
    const [blo, bhi] = minMax(b);
    assert.ok(blo >= -bound && bhi <= bound, `bias in [${blo}, ${bhi}]`);
    assert.ok(b.some((v) => v !== 0), 'b.some((v) => v !== 0)');
    assertClose(std(b) ** 2, bound ** 2 / 3, { rtol: 0.2, msg: 'bias variance (500 samples)' });
    // the bias is not a copy of the kernel's first row (seeded separately)
    assert.notDeepEqual(b, w.slice(0, FAN_OUT));
  });

  test('normal(std): sample std ≈ std, bell-shaped, bias 0', () => {
    for (const s of [0.05, 1, 10]) {
      const { w, b } = sample(FAN_IN, FAN_OUT, { kind: 'normal', std: s });
      assertClose(std(w), s, { rtol: 0.01, msg: `std ${s}` });
      assert.ok(Math.abs(mean(w)) < 5 * s / Math.sqrt(w.length), `mean ${mean(w)} for std ${s}`);
      assertClose(withinOne(w, s), 0.6827, { atol: 0.005, msg: 'fraction within one std' });
      assert.ok(b.every((v) => v === 0), 'bias must be 0');
    }
    assert.throws(() => initDense(3, 3, { kind: 'normal', std: 0 }, 0), /std/);
  });

  test('glorot: W ~ U(±sqrt(6/(fan_in+fan_out))), variance a²/3, bias 0', () => {
    const a = Math.sqrt(6 / (FAN_IN + FAN_OUT));
    const { w, b } = sample(FAN_IN, FAN_OUT, { kind: 'glorot' });
    const [lo, hi] = minMax(w);
    assert.ok(lo >= -a && hi <= a && lo < -0.99 * a && hi > 0.99 * a, `kernel in [${lo}, ${hi}], a ${a}`);
    assertClose(std(w) ** 2, a ** 2 / 3, { rtol: 0.02, msg: 'glorot variance' });
    assert.ok(b.every((v) => v === 0), 'b.every((v) => v === 0)');
  });

  test('he: W ~ N(0, 2/fan_in), untruncated, bias 0', () => {
    const s = Math.sqrt(2 / FAN_IN);
    const { w, b } = sample(FAN_IN, FAN_OUT, { kind: 'he' });
    assertClose(std(w), s, { rtol: 0.01, msg: 'he std' });
    assertClose(withinOne(w, s), 0.6827, { atol: 0.005, msg: 'fraction within one std' });
    // untruncated: 392,000 normal draws have ~1,000 beyond 3 std (a truncated normal at 2 std has none)
    const beyond2 = w.filter((v) => Math.abs(v) > 2 * s).length / w.length;
    assertClose(beyond2, 0.0455, { atol: 0.003, msg: 'fraction beyond two std' });
    assert.ok(b.every((v) => v === 0), 'b.every((v) => v === 0)');
  });

  test('same seed gives identical tensors, another seed different ones', () => {
    const inits: Init[] = [{ kind: 'torch-default' }, { kind: 'normal', std: 0.05 }, { kind: 'glorot' }, { kind: 'he' }];
    for (const init of inits) {
      const a = sample(50, 40, init, 11);
      const b = sample(50, 40, init, 11);
      const c = sample(50, 40, init, 12);
      assert.deepEqual(a, b, `${init.kind}: same seed`);
      assert.notDeepEqual(a.w, c.w, `${init.kind}: different seed`);
    }
  });

  test('describeInit tells every kind apart and names the std of a normal init', () => {
    const inits: Init[] = [{ kind: 'torch-default' }, { kind: 'normal', std: 0.05 }, { kind: 'normal', std: 10 }, { kind: 'glorot' }, { kind: 'he' }];
    const texts = inits.map(describeInit);
    assert.equal(new Set(texts).size, inits.length, `one description per init: ${texts.join(' | ')}`);
    assert.equal(describeInit({ kind: 'normal', std: 0.05 }), 'N(0, 0.05²)');
  });

  test('leaves no tensor behind once disposed', () => {
    const n = tf.memory().numTensors;
    sample(20, 10, { kind: 'torch-default' });
    sample(20, 10, { kind: 'he' });
    assert.equal(tf.memory().numTensors, n);
  });
});
