/**
 * Server-side prepared statements for the hot, static SQL texts (issue 15): a named statement is
 * parsed and planned once per pooled connection, then only bound and executed: a quarter less
 * PostgreSQL backend CPU per task (docs/benchmarks.md); the node side saves nothing measurable.
 *
 * node-postgres prepares a named query on each connection the first time it runs there and
 * refuses one name with two texts, so every name here belongs to one text for the process's life.
 *
 * The hazard: a prepared statement whose result columns change (another node's migration added a
 * column to a table it reads with `*`) fails with SQLSTATE 0A000, "cached plan must not change
 * result type", on every connection that prepared it. The pool discards a connection whose query
 * failed (and its plans with it); the first such failure also retires the name, so the query runs
 * again, and every later run of the statement on any connection, under a new name prepared afresh
 * with the new columns: one failed attempt per statement, not one per connection.
 * Running it again is safe: the failed statement was its own transaction, rolled back. Only for
 * queries on the pool: in a transaction the failure would have aborted it.
 */
import type pg from 'pg';

export interface Prepared {
  readonly text: string;
  /** The current name; replaced when the server says its plan went stale. */
  name: string;
}

let statements = 0;
const FEATURE_NOT_SUPPORTED = '0A000';

/** One statement per static text, declared once (at module level). */
export function prepared(text: string): Prepared {
  return { text, name: `rt${++statements}` };
}

export async function runPrepared<R extends pg.QueryResultRow = pg.QueryResultRow>(
  pool: pg.Pool,
  statement: Prepared,
  values: readonly unknown[],
): Promise<pg.QueryResult<R>> {
  const name = statement.name;
  try {
    return await pool.query<R>({ name, text: statement.text, values: values as unknown[] });
  } catch (err) {
    if ((err as { code?: string }).code !== FEATURE_NOT_SUPPORTED) throw err;
    // Concurrent failures of one name retire it once.
    if (statement.name === name) statement.name = `rt${++statements}`;
    return pool.query<R>({ name: statement.name, text: statement.text, values: values as unknown[] });
  }
}
