/**
 * The dense (Linear) layer y = x W + b with a backward pass written for speed on the wasm backend.
 *
 * Same math as autodiff of `matMul` + `add`:  dL/dx = dy Wᵀ,  dL/dW = xᵀ dy,  dL/db = Σ_batch dy.
 * tfjs's stock gradient asks matMul for `transposeA`/`transposeB`, which the wasm backend runs on a
 * slow naive path; an explicit transpose followed by a plain matMul runs on XNNPACK instead, several
 * times faster. The bias gradient is a ones-row matMul (`columnSum`) for the same reason.
 * Where OpenBLAS does the wasm backend's products (fastmatmul.ts), transposed products are fast and
 * the explicit transposes are skipped.
 * `inputGradient: false` skips dL/dx (returns zeros) for the first layer, whose input is the data.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeMatMulActive } from '../runtime/kernels/fastmatmul';

/**
 * Σ over the batch (the rows) as [1, n], by a ones-row matMul: the wasm backend's own reductions along
 * the batch axis go through a slow transpose, its products do not.
 */
export function columnSum(x: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(tf.ones([1, x.shape[0]]), x);
}

function makeDense(inputGradient: boolean) {
  return tf.customGrad((x, w, b, save) => {
    const [xt, wt, bt] = [x, w, b] as tf.Tensor[];
    (save as tf.GradSaveFunc)([xt, wt]);
    return {
      value: tf.add(tf.matMul(xt as tf.Tensor2D, wt as tf.Tensor2D), bt),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as tf.Tensor2D[];
        const dy2 = dy as tf.Tensor2D;
        const native = nativeMatMulActive();
        const dx = !inputGradient ? tf.zerosLike(xs) : native ? tf.matMul(dy2, ws, false, true) : tf.matMul(dy2, tf.transpose(ws));
        const dw = native ? tf.matMul(xs, dy2, true, false) : tf.matMul(tf.transpose(xs), dy2);
        const db = tf.reshape(columnSum(dy2), [dy2.shape[1]]);
        return [dx, dw, db];
      },
    };
  }) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
}

const withInputGradient = makeDense(true);
const withoutInputGradient = makeDense(false);

/** y = x W + b. Pass `inputGradient: false` when x is the data and dL/dx is never used. */
export function dense(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, inputGradient = true): tf.Tensor2D {
  return (inputGradient ? withInputGradient : withoutInputGradient)(x, kernel, bias);
}
