// Copies the migration files (src/**/*.sql) next to the compiled modules in dist/, where
// src/db/migrations.ts reads them at run time; tsc emits only the .ts output.
import { cpSync, statSync } from 'node:fs';

cpSync('src', 'dist', { recursive: true, filter: (path) => statSync(path).isDirectory() || path.endsWith('.sql') });
