/**
 * The activation table (lib/network/activations.ts) agrees with itself: φ in float64 with the tfjs op,
 * φ' from the output with φ's derivative and the op's own gradient, the out-of-action rule in z with
 * the rule on the outputs, counted where the tensor lies and with tfjs ops.
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/runtime/backend';
import { ACTIVATIONS, ACTIVATION_KINDS, activate, countOutOfAction, outOfActionAt, saturationFraction, slopeAt } from '../../lib/network/activations';
import { assertClose } from '../helpers';

before(async () => {
  await initBackend();
});

// away from the edges (σ: |z| = 4.595, tanh: 2.647), where the outputs' float32 rounding could decide
const Z = [-6, -4.7, -3, -1, -0.25, 0, 0.3, 1, 2.5, 4.5, 7];

describe('ACTIVATION_KINDS', () => {
  for (const kind of ACTIVATIONS) {
    test(`${kind}: φ, φ' and the out-of-action rule agree with the tfjs op`, () => {
      const { phi } = ACTIVATION_KINDS[kind];
      const [value, grad] = tf.tidy(() => {
        const z = tf.tensor1d(Z);
        return [Array.from(activate(kind, z).dataSync()), Array.from(tf.grad((x: tf.Tensor) => tf.sum(activate(kind, x)))(z).dataSync())];
      });
      assertClose(value, Z.map(phi), { atol: 1e-6, msg: 'φ' });
      assertClose(grad, Z.map((z) => slopeAt(kind, z)), { atol: 1e-6, msg: "φ' against the op's gradient" });
      const h = 1e-6;
      const smooth = Z.filter((z) => z !== 0); // ReLU's kink
      assertClose(smooth.map((z) => slopeAt(kind, z)), smooth.map((z) => (phi(z + h) - phi(z - h)) / (2 * h)), { atol: 1e-6, msg: "φ' against φ's derivative" });
      const out = Z.filter((z) => outOfActionAt(kind, z)).length;
      const [counted, fraction] = tf.tidy(() => {
        const a = tf.tensor1d(Z.map(phi));
        return [countOutOfAction(a, kind), saturationFraction(kind, a).dataSync()[0]];
      });
      assert.equal(counted, out, 'counted on the outputs = ruled on z');
      assert.equal(fraction, Math.fround(out / Z.length), 'tfjs ops = the count');
    });
  }
});
