// The server package bundles @retouch/sdk (bundleDependencies), but npm packs nothing of a
// bundled workspace package that node_modules holds as a symlink. So, around `npm pack`, the
// symlink is replaced by a real copy of the SDK's published files (its package.json "files"),
// and put back afterwards.
//   node scripts/bundle-sdk.mjs [ROOT]          copy into ROOT/node_modules/@retouch/sdk (prepack)
//   node scripts/bundle-sdk.mjs --restore       the workspace symlink again (postpack)
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sdk = join(repo, 'packages/sdk');
const restore = process.argv[2] === '--restore';
const root = restore ? repo : resolve(process.argv[2] ?? repo);
const target = join(root, 'node_modules/@retouch/sdk');

rmSync(target, { recursive: true, force: true });
mkdirSync(dirname(target), { recursive: true });
if (restore) {
  symlinkSync('../../packages/sdk', target, 'dir');
} else {
  const { files } = JSON.parse(readFileSync(join(sdk, 'package.json'), 'utf8'));
  if (!existsSync(join(sdk, 'dist'))) throw new Error('packages/sdk/dist is missing: run `npm run build` first');
  for (const entry of ['package.json', ...files]) cpSync(join(sdk, entry), join(target, entry), { recursive: true });
}
