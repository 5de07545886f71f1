/**
 * What every conformance suite opens: the adapters of one fresh database, SQLite (a temporary
 * data dir) or PostgreSQL (a schema of its own), assembled as the server assembles them
 * (src/backends.ts), and dropped afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgresState, openSqliteState, type StateBackend } from '../../src/backends.js';
import { openSqlite } from '../../src/db/sqlite/database.js';
import { dropSchema, newSchemaName, TEST_DATABASE_URL } from '../helpers/postgres.js';

export interface StateHarness {
  /** A fresh, empty database with every adapter over it. */
  open(): Promise<StateBackend>;
  /** Closes and drops whatever `open` made. */
  cleanup(): Promise<void>;
}

export function sqliteHarness(): StateHarness {
  let dir: string | undefined;
  let state: StateBackend | undefined;
  return {
    async open() {
      dir = mkdtempSync(join(tmpdir(), 'retouch-contract-'));
      state = openSqliteState(openSqlite(join(dir, 'retouch.db')));
      return state;
    },
    async cleanup() {
      await state?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      state = dir = undefined;
    },
  };
}

export function postgresHarness(): StateHarness {
  let schema = '';
  let state: StateBackend | undefined;
  return {
    async open() {
      schema = newSchemaName();
      state = await openPostgresState({ url: TEST_DATABASE_URL, schema, maxConnections: 4 }, Date.now());
      return state;
    },
    async cleanup() {
      await state?.close();
      state = undefined;
      await dropSchema(schema);
    },
  };
}
