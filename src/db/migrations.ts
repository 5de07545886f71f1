/**
 * Reads a dialect's migrations: one `NNNN_name.sql` file per schema version in its
 * `migrations/` folder, next to the module (src/db/<dialect>/ under tsx, dist/db/<dialect>/ once
 * built: the build copies the files, scripts/copy-sql.mjs). A file is released once it ships:
 * never edit one, add the next number instead. The version of a store is the number of files
 * applied to it (see schema-version.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FILE = /^(\d{4})_[a-z0-9_]+\.sql$/;

/** The migrations in `dir`, in order; throws when the numbering has a gap or a stray file. */
export function readMigrations(dir: URL): readonly string[] {
  const path = fileURLToPath(dir);
  const files = readdirSync(path)
    .filter((name) => name.endsWith('.sql'))
    .sort();
  return files.map((name, i) => {
    const match = FILE.exec(name);
    if (!match || Number(match[1]) !== i + 1) {
      throw new Error(`${path}: migration ${i + 1} expected, found ${name} (files are numbered 0001_name.sql, 0002_…, without gaps)`);
    }
    return readFileSync(new URL(name, dir), 'utf8');
  });
}
