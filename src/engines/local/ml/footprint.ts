/**
 * The ML worker's memory as the client judges it for recycling (client.ts): this thread's JS heap
 * and external memory, which includes the tfjs and onnxruntime-web wasm heaps (they grow and never
 * shrink). Native onnxruntime-node sessions keep their memory in ORT's own arena, outside it: the
 * models bound that by their input sizes, and the upscaler, the largest, releases its session a
 * second after the last upscale (upscale.ts).
 */
export function footprint(): number {
  const m = process.memoryUsage();
  return m.heapTotal + m.external;
}
