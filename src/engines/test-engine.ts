/**
 * A scriptable engine for tests and benchmarks, registered as model `retouch-test` only when
 * RETOUCH_ENABLE_TEST_ENGINE is on. The prompt holds directives, space-separated:
 *
 *   sleep=MS      wait MS milliseconds per image (aborts promptly)
 *   fail=I[,J]    image I fails with an EditError (partial failure when other images succeed)
 *   code=CODE     the code of those failures (default InternalError.Algo), e.g. DataInspectionFailed
 *   throw=I       image I throws a plain Error (reported as an internal error)
 *   hang          wait until aborted
 *   mark=TEXT     with a run log (RETOUCH_TEST_ENGINE_LOG, tests only): each edit appends the
 *                 line "TEXT INDEX" when it starts, so a crash test can count how often each
 *                 image of a task really ran, independently of the task store's bookkeeping
 *
 * Output: a PNG of the requested (or default) size, flat colour from the seed (one of 16), so
 * that consecutive seeds give different bytes and the cost stays close to zero (the encoded PNG
 * is cached per size and colour).
 */
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { defaultOutputSize } from '@retouch/sdk/protocol';
import { displayedSize } from '../inputs/image-check.js';
import { EditError, type Engine } from './engine.js';

export const TEST_MODEL = 'retouch-test';

function directives(prompt: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const token of prompt.split(/\s+/)) {
    const [key, value = ''] = token.split('=');
    if (key) map.set(key, value);
  }
  return map;
}

const indexList = (value: string | undefined) => (value ?? '').split(',').filter(Boolean).map(Number);

export function createTestEngine(options: { runLog?: string } = {}): Engine {
  const cache = new Map<string, Promise<Buffer>>();
  const png = (width: number, height: number, seed: number): Promise<Buffer> => {
    // 16 colours: consecutive seeds (seed+i) always differ, and the cache stays small and warm
    // however random the seeds, so the engine's cost stays near zero in benchmarks.
    const step = seed % 16;
    const colour = { r: step * 16, g: 255 - step * 16, b: (step * 97) % 256 };
    const key = `${width}x${height}:${colour.r},${colour.g},${colour.b}`;
    let encoded = cache.get(key);
    if (!encoded) {
      if (cache.size > 64) cache.clear();
      encoded = sharp({ create: { width, height, channels: 3, background: colour } })
        .png({ compressionLevel: 1 })
        .toBuffer();
      cache.set(key, encoded);
    }
    return encoded;
  };

  return {
    name: 'test',
    async edit(request) {
      const d = directives(request.prompt);
      // Test-only run log (see `mark=` above); synchronous so the line is written before any await.
      if (options.runLog && d.has('mark')) appendFileSync(options.runLog, `${d.get('mark')} ${request.index}\n`);
      const sleepMs = Number(d.get('sleep') ?? 0);
      if (sleepMs > 0) await sleep(sleepMs, undefined, { signal: request.signal });
      if (d.has('hang')) await sleep(2 ** 31 - 1, undefined, { signal: request.signal });
      if (indexList(d.get('fail')).includes(request.index)) {
        // `code=` may name any code, as a DashScope upstream's would pass through.
        throw EditError.fromUpstream(d.get('code') || 'InternalError.Algo', `Image ${request.index} failed as requested by the test prompt.`);
      }
      if (indexList(d.get('throw')).includes(request.index)) throw new Error('test engine: thrown as requested');
      // The sides from the header (every input passed the intake check): no decoder started.
      const input = displayedSize(request.images[0]!) ?? { width: 1280, height: 1280 };
      const size = request.size ?? defaultOutputSize(input.width, input.height);
      const out = await png(size.width, size.height, request.seed);
      return request.promptExtend ? { png: out, actualPrompt: `Test engine output for: ${request.prompt}` } : { png: out };
    },
  };
}
