/**
 * Server-side prepared statements (src/db/postgres/prepared.ts) when another node's migration
 * changes a table under them: a statement reading `*` prepared before the change must still
 * answer after it, with the new columns.
 */
import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openPostgresState, type PostgresState } from '../../src/backends.js';
import { newTask } from '../contracts/tasks.js';
import { dropSchema, newSchemaName, TEST_DATABASE_URL } from '../helpers/postgres.js';

const T0 = 1_750_000_000_000;
let schema = '';
let node: PostgresState | undefined;

/** Another node's migration: a column added to `tasks`, from a connection of its own. */
async function addColumn(): Promise<void> {
  const other = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await other.connect();
  try {
    await other.query(`ALTER TABLE "${schema}".tasks ADD COLUMN later_feature TEXT NOT NULL DEFAULT 'new'`);
  } finally {
    await other.end();
  }
}

afterEach(async () => {
  await node?.close();
  node = undefined;
  await dropSchema(schema);
});

describe('prepared statements across a schema change', () => {
  it('answers get and claim after a column is added while the pool holds their plans', async () => {
    schema = newSchemaName();
    // One connection: the statements prepared below are on the connection used afterwards.
    node = await openPostgresState({ url: TEST_DATABASE_URL, schema, maxConnections: 1 }, Date.now());
    const first = newTask({ submitTime: T0 });
    const second = newTask({ submitTime: T0 + 1 });
    await node.tasks.insert(first);
    await node.tasks.insert(second);
    expect((await node.tasks.get(first.id))?.status).toBe('PENDING');
    expect((await node.queue.claim('w', T0, T0 + 1000, 5))?.id).toBe(first.id);
    // The hazard is real: a plain named statement prepared before the change fails after it (on a
    // client of its own: a failed pool query discards its connection, and with it the plans).
    const probe = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await probe.connect();
    const probeQuery = { name: 'stale-probe', text: `SELECT * FROM "${schema}".tasks WHERE id = $1`, values: [first.id] };
    try {
      await probe.query(probeQuery);
      await addColumn();
      await expect(probe.query(probeQuery)).rejects.toMatchObject({ code: '0A000' });
    } finally {
      await probe.end();
    }

    expect(await node.tasks.get(first.id)).toMatchObject({ id: first.id, status: 'RUNNING' });
    expect((await node.queue.claim('w', T0, T0 + 1000, 5))?.id).toBe(second.id);
    // And again: the statements run under their new names from now on.
    expect((await node.tasks.get(second.id))?.status).toBe('RUNNING');
    const { rows } = await node.pool.query<{ later_feature: string }>('SELECT later_feature FROM tasks WHERE id = $1', [second.id]);
    expect(rows).toEqual([{ later_feature: 'new' }]);
  });
});
