#!/usr/bin/env node
/**
 * The console's JavaScript budget: what the first load fetches (the module scripts and module
 * preloads named by dist/web/index.html, plus the static imports they pull in), gzipped, must stay
 * under 150 KB. Run after `vite build`; a non-zero exit fails `npm run build`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

// `--dir <build>` and `--budget-kb <n>` exist for the script's own test (test/console/units.test.ts).
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};
const BUDGET_BYTES = Number(arg('--budget-kb') ?? 150) * 1024;
const dir = resolve(arg('--dir') ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/web'));
const html = readFileSync(join(dir, 'index.html'), 'utf8');

const entries = [...html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"|<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => m[1] ?? m[2]);
if (entries.length === 0) throw new Error('no module script in dist/web/index.html');

// Follow static imports (`import … from "./x.js"`), which the browser loads before running.
const seen = new Set();
const queue = entries.map((src) => join(dir, src.replace(/^\//, '')));
while (queue.length > 0) {
  const file = queue.shift();
  if (seen.has(file)) continue;
  seen.add(file);
  const code = readFileSync(file, 'utf8');
  for (const m of code.matchAll(/(?:^|[;\n}])\s*import\s*(?:[\w*{}\s,$]+from\s*)?["'](\.{1,2}\/[^"']+|\/[^"']+)["']/g)) {
    const spec = m[1];
    queue.push(spec.startsWith('/') ? join(dir, spec.slice(1)) : join(dirname(file), spec));
  }
}

let total = 0;
for (const file of seen) {
  const gz = gzipSync(readFileSync(file), { level: 9 }).length;
  total += gz;
  console.log(`  ${file.slice(dir.length + 1)}: ${(gz / 1024).toFixed(1)} KB gzipped`);
}
const line = `console first-load JavaScript: ${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_BYTES / 1024} KB)`;
if (total > BUDGET_BYTES) {
  console.error(`${line}: over budget`);
  process.exit(1);
}
console.log(line);
