import { describe, expect, it } from 'vitest';
import { decodeBmp } from '../../src/inputs/bmp.js';

/** A minimal BMP writer (24-bit bottom-up, or 32-bit top-down) for the decoder's tests. */
function encodeBmp(width: number, height: number, pixel: (x: number, y: number) => [number, number, number], bpp: 24 | 32, topDown = false) {
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  const buf = Buffer.alloc(54 + stride * height);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(width, 18);
  buf.writeInt32LE(topDown ? -height : height, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(bpp, 28);
  for (let y = 0; y < height; y++) {
    const row = 54 + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      const o = row + x * (bpp / 8);
      buf[o] = b;
      buf[o + 1] = g;
      buf[o + 2] = r;
    }
  }
  return buf;
}

describe('BMP decoder', () => {
  const pixel = (x: number, y: number): [number, number, number] => [x * 10, y * 20, 200];

  for (const [bpp, topDown] of [
    [24, false],
    [32, true],
  ] as const) {
    it(`decodes ${bpp}-bit ${topDown ? 'top-down' : 'bottom-up'} pixels in place`, () => {
      const { width, height, data } = decodeBmp(encodeBmp(5, 3, pixel, bpp, topDown));
      expect([width, height]).toEqual([5, 3]);
      for (const [x, y] of [
        [0, 0],
        [4, 2],
        [2, 1],
      ] as const) {
        const o = (y * 5 + x) * 4;
        expect([...data.subarray(o, o + 4)]).toEqual([...pixel(x, y), 255]);
      }
    });
  }

  it('refuses truncated pixel data', () => {
    expect(() => decodeBmp(encodeBmp(5, 3, pixel, 24).subarray(0, 60))).toThrow(/truncated/);
  });
});
