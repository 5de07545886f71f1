// Copies the migration files (src/**/*.sql) next to the compiled modules, where
// src/db/migrations.ts reads them at run time; tsc emits only the .ts output.
//   node scripts/copy-sql.mjs [OUT_DIR]   (default: dist, beside this repo's src)
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(repo, 'dist'));
// A migration renamed or removed in src/ must not linger in a reused OUT_DIR: the runner reads
// every file there and refuses a stray name.
if (existsSync(out)) {
  for (const rel of readdirSync(out, { recursive: true, encoding: 'utf8' })) {
    if (rel.endsWith('.sql') && !existsSync(join(repo, 'src', rel))) rmSync(join(out, rel));
  }
}
cpSync(join(repo, 'src'), out, { recursive: true, filter: (path) => statSync(path).isDirectory() || path.endsWith('.sql') });
