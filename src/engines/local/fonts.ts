/**
 * Fonts the project ships from npm (never the system's: a fresh machine may have none, and
 * another machine's fonts would change our pixels):
 * - `dejavu-fonts-ttf` (DejaVu Sans, Bitstream Vera licence) for Latin, Greek, Cyrillic;
 * - `@embedpdf/fonts-sc` (Noto Sans Hans = Noto Sans CJK SC, OFL-1.1, OpenType/CFF) for Chinese.
 *
 * Text is rendered with sharp's `text` input (pango + fontconfig). Two layers make it independent
 * of the machine: the first call writes a fonts.conf that lists only these two folders into a
 * temporary directory and points FONTCONFIG_FILE at it (fontconfig reads that variable once, when
 * it first initialises, which is at the first text render in this process), and every render
 * also passes the font file itself (`fontfile`), which works even if fontconfig was initialised
 * earlier with the system configuration. WOFF/WOFF2 (@fontsource/*) do not work with sharp's
 * prebuilt libvips (verified: WOFF2 fails to render, WOFF draws no glyph), hence TTF/OTF packages.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export interface FontChoice {
  /** Pango font family name. */
  readonly family: string;
  readonly file: string;
}

interface Fonts {
  readonly latin: FontChoice;
  readonly latinBold: FontChoice;
  readonly cjk: FontChoice;
  readonly cjkBold: FontChoice;
}

let fonts: Fonts | undefined;

function locate(): Fonts {
  const dejavu = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  // Its "exports" hides package.json: resolve the entry (dist/index.cjs) and go up.
  const noto = join(dirname(require.resolve('@embedpdf/fonts-sc')), '..', 'fonts');
  return {
    latin: { family: 'DejaVu Sans', file: join(dejavu, 'DejaVuSans.ttf') },
    latinBold: { family: 'DejaVu Sans Bold', file: join(dejavu, 'DejaVuSans-Bold.ttf') },
    cjk: { family: 'Noto Sans S Chinese', file: join(noto, 'NotoSansHans-Regular.otf') },
    cjkBold: { family: 'Noto Sans S Chinese Bold', file: join(noto, 'NotoSansHans-Bold.otf') },
  };
}

/** Writes the private fonts.conf and points fontconfig at it (once per process). */
export function setupFonts(): Fonts {
  if (fonts) return fonts;
  const found = locate();
  try {
    const dir = join(tmpdir(), `retouch-fontconfig-${process.getuid?.() ?? 0}`);
    mkdirSync(join(dir, 'cache'), { recursive: true });
    const conf = join(dir, 'fonts.conf');
    const dirs = [...new Set([found.latin.file, found.cjk.file].map((f) => dirname(f)))];
    writeFileSync(
      conf,
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n` +
        dirs.map((d) => `  <dir>${d.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</dir>\n`).join('') +
        `  <cachedir>${join(dir, 'cache')}</cachedir>\n</fontconfig>\n`,
    );
    // Deliberately process-wide: every text render in this process (ours, the watermark, any SVG)
    // must use the shipped fonts, never whatever the machine happens to have.
    process.env.FONTCONFIG_FILE = conf;
  } catch {
    // A read-only temp dir: renders still pass the font file itself (fontfile), which suffices.
  }
  fonts = found;
  return fonts;
}

const CJK = /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]/;

/** The shipped font for a text: Noto Sans Hans when it has CJK characters, else DejaVu Sans. */
export function fontFor(text: string, bold: boolean): FontChoice {
  const f = setupFonts();
  if (CJK.test(text)) return bold ? f.cjkBold : f.cjk;
  return bold ? f.latinBold : f.latin;
}
