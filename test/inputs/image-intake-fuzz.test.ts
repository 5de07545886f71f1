/**
 * Fuzzing image intake over the header fields of PNG, JPEG, WebP and BMP (issue 9):
 * - through a real server: never a 5xx, always a DashScope JSON answer with an image code,
 *   bounded time per request and bounded RSS growth over the whole run;
 * - directly on checkImage: whatever intake accepts, the engines' decoder (sharp with its
 *   default strictness) decodes completely. Intake reads only the structure of PNG and JPEG
 *   (issue 15), so this holds for what a mutated header, a cut or a flipped bit can break; data
 *   corrupt inside a well-formed file fails its task instead (security/decode.test.ts).
 */
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors.js';
import { checkImage } from '../../src/inputs/image-check.js';
import { createBody, createTask, dataUri, NO_RATE_LIMITS } from '../helpers/http.js';
import { startSecServer, type SecServer } from '../security/helpers.js';
import { baseImages, mutatedImage, type BaseImages } from './image-mutations.js';

const IMAGE_CODES = ['InvalidImageFormat', 'InvalidImageResolution', 'InvalidImage.FileFormat'];

describe('image intake under header-field fuzzing', () => {
  let base: BaseImages;
  let s: SecServer;
  beforeAll(async () => {
    base = await baseImages();
    s = await startSecServer({ ...NO_RATE_LIMITS, RETOUCH_WORKER_CONCURRENCY: '1' });
  });
  afterAll(() => s.close());

  it('the server answers every mutated image with 200 or a 400 image error, within 5 s each, RSS growth < 300 MB', async () => {
    const rssBefore = process.memoryUsage().rss;
    let worstMs = 0;
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(mutatedImage(base), async ({ format, bytes }) => {
        const started = performance.now();
        const res = await createTask(s.url, s.key, createBody([dataUri(bytes, `image/${format}`)], 'sleep=0'));
        const ms = performance.now() - started;
        worstMs = Math.max(worstMs, ms);
        const outcome = `${format} ${res.status} ${res.body?.code ?? ''}`;
        seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
        expect(res.status).toBeLessThan(500);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        if (res.status !== 200) {
          expect(res.status).toBe(400);
          // InvalidParameter: a file cut to nothing is an empty data URI payload.
          expect([...IMAGE_CODES, 'InvalidParameter']).toContain(res.body.code);
        }
        expect(ms).toBeLessThan(5000);
      }),
      { numRuns: 240, seed: 20260901 },
    );
    const growthMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    console.log(
      `intake fuzz: worst ${worstMs.toFixed(0)} ms, RSS +${growthMb.toFixed(0)} MB; outcomes ${JSON.stringify(Object.fromEntries([...seen].sort()))}`,
    );
    expect(growthMb).toBeLessThan(300);
  });

  it('whatever intake accepts, the engines’ decoder decodes in full (sharp, default failOn)', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(mutatedImage(base), async ({ bytes }) => {
        let checked;
        try {
          checked = await checkImage(bytes, 'input.images[0]');
        } catch (err) {
          expect(err).toBeInstanceOf(ApiError);
          expect(IMAGE_CODES).toContain((err as ApiError).code);
          return;
        }
        accepted++;
        const { info } = await sharp(checked.bytes).raw().toBuffer({ resolveWithObject: true });
        expect([info.width, info.height]).toEqual([checked.width, checked.height]);
      }),
      { numRuns: 300, seed: 77 },
    );
    console.log(`decode property: ${accepted} of 300 mutated images accepted, all decoded`);
    expect(accepted).toBeGreaterThan(0);
  });
});
