/** The "AI生成" mark DashScope puts in the bottom-right corner when watermark=true. */
import sharp, { type Sharp } from 'sharp';
import type { Size } from '../../protocol/size.js';

export async function applyWatermark(image: Sharp, size: Size): Promise<Sharp> {
  const fontSize = Math.max(14, Math.round(Math.min(size.width, size.height) * 0.035));
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}">` +
      `<text x="${size.width - fontSize * 0.6}" y="${size.height - fontSize * 0.6}" text-anchor="end" ` +
      `font-family="sans-serif" font-size="${fontSize}" fill="white" fill-opacity="0.8" ` +
      `stroke="black" stroke-opacity="0.4" stroke-width="1">AI生成</text></svg>`,
  );
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).composite([
    { input: svg, top: 0, left: 0 },
  ]);
}
