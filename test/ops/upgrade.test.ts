/**
 * Upgrades: a store made by retouch 0.1.0 (its frozen schema, test/ops/fixtures/) is migrated
 * forward by today's retouch and keeps working: its finished task and result link, its key, its
 * queued task. A store from a newer retouch (a schema version beyond this binary's migration
 * list) is refused at start, untouched, with a message that says what to do.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/main.js';
import { openPostgresState } from '../../src/backends.js';
import { MIGRATIONS as PG_MIGRATIONS } from '../../src/db/postgres/database.js';
import { MIGRATIONS as SQLITE_MIGRATIONS } from '../../src/db/sqlite/database.js';
import { SchemaTooNewError } from '../../src/db/schema-version.js';
import { getTask, waitForStatus } from '../helpers/http.js';
import { dropSchema, newSchemaName, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { REPO_ROOT, tempDataDir, testEnv } from '../helpers/server.js';
import { inserts, V010_DONE, V010_INPUT_BLOB, V010_KEY, V010_PENDING, V010_RESULT_BLOB, v010Rows } from './fixtures/v0.1.0-rows.js';

const run = promisify(execFile);
const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function png(width: number, height: number, colour: string): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer();
}

/** A data dir exactly as retouch 0.1.0 left it: its schema, its rows, its blob files. */
async function v010DataDir(now: number): Promise<{ dir: string; result: Buffer }> {
  const dir = tempDataDir();
  const db = new Database(join(dir, 'retouch.db'));
  db.exec(fixture('v0.1.0-sqlite-schema.sql'));
  for (const stmt of inserts(v010Rows(now, 'sqlite'), 'sqlite')) db.prepare(stmt.text).run(...stmt.values);
  db.close();
  const result = await png(64, 48, '#aa3311');
  for (const [key, bytes] of [
    [V010_RESULT_BLOB, result],
    [V010_INPUT_BLOB, await png(64, 48, '#1133aa')],
  ] as const) {
    mkdirSync(join(dir, 'blobs', key, '..'), { recursive: true });
    writeFileSync(join(dir, 'blobs', key), bytes);
  }
  return { dir, result };
}

describe('SQLite data dir from 0.1.0', () => {
  it('is migrated forward; its finished task, result link, key and queued task keep working', async () => {
    const { dir, result } = await v010DataDir(Date.now());
    // No RETOUCH_API_KEY: the 0.1.0 key in the database is the only one.
    const server = await startServer(loadConfig({ ...testEnv(dir), RETOUCH_API_KEY: '' }));
    cleanups.push(async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const done = await getTask(server.url, V010_KEY, V010_DONE);
    expect(done.status).toBe(200);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
    const link = await fetch(done.body.output.results[0].url);
    expect(link.status).toBe(200);
    expect(Buffer.from(await link.arrayBuffer()).equals(result)).toBe(true);

    const queued = await waitForStatus(server.url, V010_KEY, V010_PENDING);
    expect(queued.body.output.task_status).toBe('SUCCEEDED');
    expect((await fetch(queued.body.output.results[0].url)).status).toBe(200);

    const db = new Database(join(dir, 'retouch.db'), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.length);
    db.close();
  });

  it('a data dir from a newer retouch is refused untouched, in-process and by `retouch serve`', async () => {
    const { dir } = await v010DataDir(Date.now());
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'retouch.db');
    const db = new Database(file);
    db.pragma(`user_version = ${SQLITE_MIGRATIONS.length + 1}`);
    db.close();
    const before = readFileSync(file);

    const refused = startServer(loadConfig(testEnv(dir)));
    await expect(refused).rejects.toBeInstanceOf(SchemaTooNewError);
    await expect(refused).rejects.toThrow(
      `has schema version ${SQLITE_MIGRATIONS.length + 1}, but this retouch knows versions up to ${SQLITE_MIGRATIONS.length}`,
    );

    const cli = await run(process.execPath, [join(REPO_ROOT, 'bin/retouch.js'), 'serve'], { cwd: REPO_ROOT, env: { ...process.env, ...testEnv(dir) } }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/written by a newer retouch\. Run that version \(or newer\) again, or restore a backup/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});

describe('PostgreSQL schema from 0.1.0', () => {
  async function v010Schema(): Promise<string> {
    const schema = newSchemaName();
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}";`);
      await client.query(fixture('v0.1.0-postgres-schema.sql'));
      for (const stmt of inserts(v010Rows(Date.now(), 'postgres'), 'postgres')) await client.query(stmt.text, stmt.values);
    } finally {
      await client.end();
    }
    cleanups.push(() => dropSchema(schema));
    return schema;
  }

  it("is migrated forward; the 0.1.0 key and tasks are read by today's stores", async () => {
    const schema = await v010Schema();
    const backend = await openPostgresState({ url: TEST_DATABASE_URL, schema }, Date.now());
    cleanups.push(() => backend.close());
    const { rows } = await backend.pool.query<{ v: number }>('SELECT max(version) AS v FROM retouch_migrations');
    expect(rows[0]!.v).toBe(PG_MIGRATIONS.length);
    const key = await backend.keys.authenticate(V010_KEY);
    expect(key?.workspaceId).toBe('default');
    const done = await backend.tasks.get(V010_DONE);
    expect(done?.status).toBe('SUCCEEDED');
    expect(done?.results).toEqual([{ ok: true, blobKey: V010_RESULT_BLOB, actualPrompt: 'sleep=10' }]);
  });

  it('a schema from a newer retouch is refused, and left as it was', async () => {
    const schema = await v010Schema();
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    cleanups.push(() => client.end());
    await client.query(`INSERT INTO "${schema}".retouch_migrations (version) VALUES ($1)`, [PG_MIGRATIONS.length + 1]);
    await expect(openPostgresState({ url: TEST_DATABASE_URL, schema }, Date.now())).rejects.toThrow(
      `The PostgreSQL schema "${schema}" has schema version ${PG_MIGRATIONS.length + 1}, but this retouch knows versions up to ${PG_MIGRATIONS.length}`,
    );
    // Nothing applied: 0.1.0's versions plus the planted newer one, as before.
    const { rows } = await client.query<{ v: number }>(`SELECT version AS v FROM "${schema}".retouch_migrations ORDER BY version`);
    expect(rows.map((r) => r.v)).toEqual([1, 2, PG_MIGRATIONS.length + 1]);
  });
});
