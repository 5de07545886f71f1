/**
 * The ML worker's memory as the client judges it for recycling (client.ts): this thread's JS heap
 * and external memory (which includes the tfjs and onnxruntime-web wasm heaps, that never
 * shrink), plus what helper threads it started report for themselves.
 */
const helpers = new Map<string, number>();

export function reportHelper(name: string, bytes: number): void {
  helpers.set(name, bytes);
}

export function footprint(): number {
  const m = process.memoryUsage();
  let total = m.heapTotal + m.external;
  for (const bytes of helpers.values()) total += bytes;
  return total;
}
