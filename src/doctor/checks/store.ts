import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fail, ok, type Check, type Finding } from '../check.js';

/** The task store answers and its schema is one this binary can use (same or older: migrated at start). */
export const storeCheck: Check = {
  id: 'store',
  needsConfig: true,
  async run({ config }) {
    return config!.databaseUrl ? postgres(config!.databaseUrl, config!.databaseSchema) : sqlite(join(config!.dataDir, 'retouch.db'));
  },
};

function versionFinding(where: string, found: number, known: number): Finding {
  if (found > known) {
    return fail(
      'store',
      `${where} has schema version ${found}; this retouch knows up to ${known} (it was written by a newer retouch)`,
      'run the newer retouch again, or restore a backup made by this version (`retouch restore`)',
    );
  }
  if (found < known) return ok('store', `${where}: schema version ${found}, migrated to ${known} at the next start`);
  return ok('store', `${where}: schema version ${found} (current)`);
}

async function sqlite(file: string): Promise<Finding[]> {
  if (!existsSync(file)) return [ok('store', `no database yet at ${file}; it is created at the first start`)];
  const [{ default: Database }, { MIGRATIONS }] = await Promise.all([import('better-sqlite3'), import('../../db/sqlite/database.js')]);
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const version = db.pragma('user_version', { simple: true }) as number;
      const integrity = db.pragma('quick_check', { simple: true }) as string;
      if (integrity !== 'ok')
        return [fail('store', `${file} fails SQLite's quick_check: ${integrity}`, 'stop retouch and restore the latest backup (`retouch restore`)')];
      return [versionFinding(file, version, MIGRATIONS.length)];
    } finally {
      db.close();
    }
  } catch (err) {
    return [
      fail(
        'store',
        `${file} cannot be opened: ${(err as Error).message}`,
        `check the file's owner and permissions; if it is damaged, restore the latest backup (\`retouch restore\`)`,
      ),
    ];
  }
}

/** A password in a URL is never printed. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

async function postgres(url: string, schema: string | undefined): Promise<Finding[]> {
  const [{ default: pg }, { MIGRATIONS }] = await Promise.all([import('pg'), import('../../db/postgres/database.js')]);
  const shown = redactUrl(url);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    const e = err as Error & { code?: string };
    const hint =
      e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN' || /timeout/i.test(e.message)
        ? 'check the host and port in RETOUCH_DATABASE_URL and that PostgreSQL runs and accepts TCP connections there (listen_addresses, pg_hba.conf, firewall)'
        : e.code === '28P01' || e.code === '28000'
          ? 'check the user and password in RETOUCH_DATABASE_URL (and pg_hba.conf for this host)'
          : e.code === '3D000'
            ? 'create the database (`createdb …`) or fix its name in RETOUCH_DATABASE_URL'
            : 'check RETOUCH_DATABASE_URL (postgres://user:password@host:5432/database)';
    return [fail('store', `cannot connect to ${shown}: ${e.code ? `${e.code} ` : ''}${e.message}`, hint)];
  }
  try {
    const table = schema ? `"${schema.replace(/"/g, '""')}".retouch_migrations` : 'retouch_migrations';
    const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]);
    if (!exists.rows[0]?.t) return [ok('store', `${shown}: connected; no retouch schema yet${schema ? ` in "${schema}"` : ''}, created at the first start`)];
    const { rows } = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${table}`);
    return [versionFinding(`${shown}${schema ? ` schema "${schema}"` : ''}`, rows[0]?.v ?? 0, MIGRATIONS.length)];
  } finally {
    await client.end().catch(() => undefined);
  }
}
