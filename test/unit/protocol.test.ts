import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canTransition,
  defaultOutputSize,
  formatListTime,
  formatTaskTime,
  MAX_OUTPUT_PIXELS,
  parseListTime,
  parseSize,
  parseTaskTime,
  validateCreateRequest,
  isRequestProblem,
} from '@retouch/sdk/protocol';

describe('task times', () => {
  it('formats epoch ms in UTC+8 as YYYY-MM-DD HH:mm:ss.SSS', () => {
    expect(formatTaskTime(Date.UTC(2025, 8, 23, 14, 14, 10, 800))).toBe('2025-09-23 22:14:10.800');
    expect(formatTaskTime(Date.UTC(2024, 11, 31, 16, 0, 0, 5))).toBe('2025-01-01 00:00:00.005');
  });

  it('round-trips task and list times', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        expect(parseTaskTime(formatTaskTime(ms))).toBe(ms);
        const seconds = Math.floor(ms / 1000) * 1000;
        expect(parseListTime(formatListTime(seconds))).toBe(seconds);
      }),
    );
  });

  it('rejects impossible list times', () => {
    for (const bad of ['20230230120000', '20231301000000', '2023042019305', '2023-04-20', '20230420246000']) {
      expect(parseListTime(bad)).toBeUndefined();
    }
  });
});

describe('sizes', () => {
  it('accepts the documented sizes and refuses out-of-range ones', () => {
    for (const ok of ['1280*1280', '1024*1024', '800*1200', '1344*576', '768*768', '720*1280']) {
      expect(typeof parseSize(ok)).toBe('object');
    }
    for (const bad of ['767*767', '1281*1280', '2000*400', '1280x1280', '', '-5*100', '1280*']) {
      expect(typeof parseSize(bad)).toBe('string');
    }
  });

  it('default size stays within the pixel budget, in multiples of 16, near the aspect ratio', () => {
    fc.assert(
      fc.property(fc.integer({ min: 384, max: 5000 }), fc.integer({ min: 384, max: 5000 }), (w, h) => {
        const size = defaultOutputSize(w, h);
        expect(size.width * size.height).toBeLessThanOrEqual(MAX_OUTPUT_PIXELS);
        expect(size.width * size.height).toBeGreaterThan(MAX_OUTPUT_PIXELS * 0.93);
        expect(size.width % 16).toBe(0);
        expect(size.height % 16).toBe(0);
        const aspect = Math.min(4, Math.max(0.25, w / h));
        expect(Math.abs(size.width / size.height / aspect - 1)).toBeLessThan(0.05);
      }),
    );
    expect(defaultOutputSize(1000, 1000)).toEqual({ width: 1280, height: 1280 });
  });
});

describe('states', () => {
  it('allows only the documented transitions', () => {
    expect(canTransition('PENDING', 'RUNNING')).toBe(true);
    expect(canTransition('PENDING', 'CANCELED')).toBe(true);
    expect(canTransition('RUNNING', 'CANCELED')).toBe(true); // a cancel forwarded to a PENDING upstream task
    expect(canTransition('CANCELED', 'RUNNING')).toBe(false);
    expect(canTransition('SUCCEEDED', 'RUNNING')).toBe(false);
  });
});

describe('create request validation', () => {
  const base = { model: 'm', input: { prompt: 'p', images: ['data:x'] } };

  it('applies the documented defaults', () => {
    const parsed = validateCreateRequest(base);
    expect(parsed).toMatchObject({ n: 4, promptExtend: true, watermark: false, negativePrompt: '', seed: undefined, size: undefined });
  });

  it('truncates prompts by characters, counting a Chinese character as one', () => {
    const parsed = validateCreateRequest({ ...base, input: { ...base.input, prompt: '图'.repeat(2100), negative_prompt: 'x'.repeat(600) } });
    if (isRequestProblem(parsed)) throw new Error(parsed.message);
    expect(Array.from(parsed.prompt)).toHaveLength(2000);
    expect(parsed.negativePrompt).toHaveLength(500);
  });

  it('never throws on arbitrary JSON, and always answers a code or a request', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = validateCreateRequest(value);
        expect(typeof result).toBe('object');
      }),
      { numRuns: 500 },
    );
  });
});
