/**
 * `Identity` without a copy on the wasm backend.
 *
 * tfjs saves every tensor a gradient needs by cloning it (`Engine.saveTensorsForBackwardMode`), and
 * the wasm backend's `Identity` kernel copies the data: some 25 copies of a layer's activations per
 * training step. tfjs tensors are immutable (a variable's `assign` swaps in new data, it never writes
 * into the old), so a clone can share its input's data, as the backend's own `Reshape` does: the same
 * buffer with one more reference, freed when the last tensor using it is disposed.
 */
import * as tf from '@tensorflow/tfjs';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

function identity(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  (args.backend as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

let stock: tf.KernelConfig | undefined;

/** Routes the wasm backend's Identity to the sharing kernel above. */
export function enableSharedIdentity(): void {
  if (stock || tf.getBackend() !== 'wasm') return;
  stock = tf.getKernel('Identity', 'wasm');
  if (!stock) return;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc: identity as unknown as tf.KernelFunc });
}

/** Puts the stock, copying kernel back (tests compare the two). */
export function disableSharedIdentity(): void {
  if (!stock) return;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel(stock);
  stock = undefined;
}
