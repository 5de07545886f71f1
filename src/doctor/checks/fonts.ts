import { existsSync } from 'node:fs';
import { fail, ok, type Check, type Finding } from '../check.js';

const REINSTALL =
  'reinstall retouch so its dependencies are complete (`npm ci` in a clone, `npm i -g retouch` again): the fonts ship in the npm packages dejavu-fonts-ttf and @embedpdf/fonts-sc';

/** The fonts text edits use, shipped in npm packages: present and renderable. */
export const fontsCheck: Check = {
  id: 'fonts',
  needsConfig: false,
  async run() {
    const { setupFonts } = await import('../../engines/local/fonts.js');
    let fonts: ReturnType<typeof setupFonts>;
    try {
      fonts = setupFonts();
    } catch (err) {
      return [fail('fonts', `a font package is missing: ${(err as Error).message.split('\n')[0]}`, REINSTALL)];
    }
    const { default: sharp } = await import('sharp');
    const findings: Finding[] = [];
    for (const [use, font] of Object.entries(fonts)) {
      if (!existsSync(font.file)) {
        findings.push(fail('fonts', `${font.family} (${use}) is missing: ${font.file}`, REINSTALL));
        continue;
      }
      try {
        const sample = use.startsWith('cjk') ? '图片' : 'Ag';
        await sharp({ text: { text: sample, font: font.family, fontfile: font.file, dpi: 72 } })
          .png()
          .toBuffer();
        findings.push(ok('fonts', `${font.family} (${use}) renders: ${font.file}`));
      } catch (err) {
        findings.push(fail('fonts', `${font.family} (${use}) does not render: ${(err as Error).message}`, REINSTALL));
      }
    }
    return findings;
  },
};
