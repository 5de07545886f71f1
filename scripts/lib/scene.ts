/**
 * Photo-like test scenes drawn in code (no binary fixtures, no third-party photos): a landscape
 * with sky, sun, hills and a house, with deterministic texture noise. Used by the edit catalogue
 * (scripts/gen-edit-catalogue.ts) and the engine benchmark (bench/engine-ops.ts).
 */
import sharp from 'sharp';

export async function sceneImage(width = 1024, height = 768, variant: 'day' | 'dusk' = 'day'): Promise<Buffer> {
  const [top, bottom, sun] = variant === 'day' ? ['#3a7bd5', '#f4d58d', '#ffe27a'] : ['#2b1055', '#ff8a5c', '#ffd1a1'];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 1024 768" preserveAspectRatio="none">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${top}"/><stop offset="1" stop-color="${bottom}"/></linearGradient></defs>
    <rect width="1024" height="768" fill="url(#sky)"/>
    <circle cx="${variant === 'day' ? 780 : 300}" cy="220" r="90" fill="${sun}"/>
    <path d="M0 520 Q 250 360 520 500 T 1024 460 V 768 H 0 Z" fill="#2e7d32"/>
    <path d="M0 620 Q 300 540 640 640 T 1024 600 V 768 H 0 Z" fill="#1b5e20"/>
    <rect x="180" y="420" width="160" height="120" fill="#8d6e63"/><path d="M160 420 L260 340 L360 420 Z" fill="#b71c1c"/>
    <rect x="230" y="470" width="40" height="70" fill="#4e342e"/><rect x="290" y="445" width="30" height="30" fill="#fff59d"/>
    <circle cx="700" cy="520" r="60" fill="#388e3c"/><rect x="690" y="560" width="20" height="60" fill="#5d4037"/>
  </svg>`;
  const base = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer();
  let s = 12345;
  for (let i = 0; i < base.length; i += 1) {
    s = (s * 1103515245 + 12345) >>> 0;
    base[i] = Math.max(0, Math.min(255, (base[i] as number) + ((s >>> 24) % 24) - 12));
  }
  return sharp(base, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** A simple figure on a plain backdrop, for background operations. */
export async function figureImage(width = 768, height = 768): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 768 768">
    <rect width="768" height="768" fill="#9fb8c8"/>
    <rect x="0" y="520" width="768" height="248" fill="#c8b89f"/>
    <ellipse cx="384" cy="250" rx="95" ry="120" fill="#e0ac8a"/>
    <path d="M210 768 Q 220 430 384 400 Q 548 430 558 768 Z" fill="#c62828"/>
    <ellipse cx="350" cy="235" rx="12" ry="8" fill="#3e2723"/><ellipse cx="418" cy="235" rx="12" ry="8" fill="#3e2723"/>
    <path d="M345 300 Q 384 330 423 300" stroke="#6d4c41" stroke-width="8" fill="none"/>
    <path d="M289 210 Q 300 120 384 125 Q 470 120 479 210 Q 440 160 384 165 Q 330 160 289 210 Z" fill="#4e342e"/>
  </svg>`;
  return sharp(Buffer.from(svg)).removeAlpha().png().toBuffer();
}

/** The scene rotated by `degrees` (clockwise) and cropped back to its size: a crooked horizon. */
export async function tiltedScene(width = 1024, height = 768, degrees = 6): Promise<Buffer> {
  const big = await sharp(await sceneImage(Math.round(width * 1.4), Math.round(height * 1.4)))
    .rotate(degrees, { background: '#000' })
    .toBuffer();
  const meta = await sharp(big).metadata();
  const left = Math.round(((meta.width ?? width) - width) / 2);
  const top = Math.round(((meta.height ?? height) - height) / 2);
  return sharp(big).extract({ left, top, width, height }).png().toBuffer();
}

/** The scene at a quarter of its brightness: an underexposed photo. */
export async function darkScene(width = 1024, height = 768): Promise<Buffer> {
  return sharp(await sceneImage(width, height))
    .linear(0.25, 0)
    .png()
    .toBuffer();
}

/** The scene with a strong yellow colour cast (blue channel halved, red lifted). */
export async function castScene(width = 1024, height = 768): Promise<Buffer> {
  return sharp(await sceneImage(width, height))
    .linear([1.1, 1.0, 0.55], [10, 5, 0])
    .png()
    .toBuffer();
}
