/**
 * The ML worker's memory as the client judges it for recycling (client.ts): this thread's JS heap
 * and external memory, which includes the tfjs and onnxruntime-web wasm heaps (they grow and never
 * shrink). Native onnxruntime-node sessions are not in it: they run without a memory arena
 * (ort.ts), so what a run allocates is freed when it ends.
 */
export function footprint(): number {
  const m = process.memoryUsage();
  return m.heapTotal + m.external;
}
