/**
 * Migrations are numbered .sql files (src/db/<dialect>/migrations/): both dialects hold the same
 * versions under the same names, and a gap or a stray name is refused rather than silently
 * skipping a version.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readMigrations } from '../../src/db/migrations.js';
import { MIGRATIONS as PG } from '../../src/db/postgres/database.js';
import { MIGRATIONS as SQLITE } from '../../src/db/sqlite/database.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(files: Record<string, string>): URL {
  const dir = mkdtempSync(join(tmpdir(), 'retouch-migrations-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return pathToFileURL(`${dir}/`);
}

describe('migration files', () => {
  it('both dialects have the same numbered files', () => {
    const names = (dialect: string) => readdirSync(join(import.meta.dirname, '../../src/db', dialect, 'migrations')).sort();
    expect(names('sqlite')).toEqual(names('postgres'));
    expect(SQLITE.length).toBe(names('sqlite').length);
    expect(PG.length).toBe(SQLITE.length);
    expect(SQLITE[0]).toContain('CREATE TABLE tasks');
  });

  it('reads them in numeric order', () => {
    const dir = folder({ '0002_b.sql': 'SELECT 2;', '0001_a.sql': 'SELECT 1;' });
    expect(readMigrations(dir)).toEqual(['SELECT 1;', 'SELECT 2;']);
  });

  it('refuses a gap in the numbering and a badly named file', () => {
    expect(() => readMigrations(folder({ '0001_a.sql': '', '0003_c.sql': '' }))).toThrow(/migration 2 expected, found 0003_c\.sql/);
    expect(() => readMigrations(folder({ '0001_a.sql': '', '2_b.sql': '' }))).toThrow(/migration 2 expected, found 2_b\.sql/);
  });
});
