/**
 * Builds the web console into dist/web (served by retouch at `/`, src/api/routes/console.ts).
 * Everything is bundled: no CDN, no third-party request, works offline.
 */
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

const stub = fileURLToPath(new URL('./src/node-stubs.ts', import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: 'public',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: {
    // The SDK and the protocol (packages/sdk) from their TypeScript sources.
    conditions: ['retouch-source', ...defaultClientConditions],
    // The SDK (packages/sdk) reads local files and writes downloads with Node built-ins on paths the
    // console never takes (it sends data URIs and downloads through the browser); these stubs
    // stand in for them so that the bundle has no Node code. `randomUUID` (Idempotency-Key on
    // create) is the one the console does use: the stub draws it from Web Crypto.
    alias: [{ find: /^node:(crypto|fs\/promises|path|stream|url)$/, replacement: stub }],
  },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
