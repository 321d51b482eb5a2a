/** Zero-copy access to tensors that live on the wasm backend's heap (tfjs-backend-wasm internals). */
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's BackendWasm used here. */
export interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** Byte offset of a tensor's data on the wasm heap. */
export function heapOffset(backend: WasmBackend, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}

/**
 * A float32 view of the tensor's data where it lives, without copying: on the wasm heap, or the
 * cpu backend's own array. Valid until the next tfjs allocation (the heap may grow and move).
 * Other backends (native TensorFlow) hand back a copy.
 */
export function float32View(t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`float32View needs a float32 tensor, got ${t.dtype}`);
  if (tf.getBackend() === 'wasm') {
    const backend = tf.backend() as unknown as WasmBackend;
    return new Float32Array(backend.wasm.HEAPU8.buffer, heapOffset(backend, t), t.size);
  }
  return t.dataSync() as Float32Array;
}
