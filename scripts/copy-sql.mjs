// Copies the migration files (src/**/*.sql) next to the compiled modules, where
// src/db/migrations.ts reads them at run time; tsc emits only the .ts output.
//   node scripts/copy-sql.mjs [OUT_DIR]   (default: dist, beside this repo's src)
import { cpSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(repo, 'dist'));
cpSync(join(repo, 'src'), out, { recursive: true, filter: (path) => statSync(path).isDirectory() || path.endsWith('.sql') });
