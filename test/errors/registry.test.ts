/**
 * The error registry (packages/sdk/src/protocol/error-codes.ts) and its catalogue (docs/errors.md) say the
 * same thing, both ways: every code retouch emits is documented with its HTTP status, and every
 * documented code is one retouch emits. And the errors are built in one module only.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REQUEST_ERRORS, TASK_ERROR_CODES, TRANSPORT_STATUSES, type RequestErrorCode } from '@retouch/sdk/protocol';

const ROOT = join(import.meta.dirname, '../..');
const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');

/** The table rows of the `## heading` section, as arrays of trimmed cells (header and rule skipped). */
function tableRows(heading: string): string[][] {
  const start = doc.indexOf(`\n## ${heading}\n`);
  expect(start, `docs/errors.md has a "## ${heading}" section`).toBeGreaterThanOrEqual(0);
  const end = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, end < 0 ? undefined : end);
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
  return rows.slice(2);
}

/** The `code`s quoted in a cell; wildcards (`Upstream.*`) and prose (*upstream codes*) are not codes. */
const codesIn = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).filter((c) => !c.includes('*'));

describe('request errors: registry ↔ docs/errors.md', () => {
  const documented = tableRows('Request errors').map(([http, code]) => {
    const codes = codesIn(code!);
    expect(codes, `one code per row: ${code}`).toHaveLength(1);
    return { code: codes[0]!, statuses: http!.split('/').map((s) => Number(s.trim())) };
  });

  it('documents every code of the registry, with its status', () => {
    for (const [code, status] of Object.entries(REQUEST_ERRORS)) {
      const rows = documented.filter((row) => row.code === code);
      expect(rows.length, `${code} is documented`).toBeGreaterThan(0);
      expect(
        rows.some((row) => row.statuses.includes(status)),
        `${code} is documented with HTTP ${status}`,
      ).toBe(true);
      for (const extra of TRANSPORT_STATUSES[code as RequestErrorCode] ?? []) {
        expect(
          rows.some((row) => row.statuses.includes(extra)),
          `${code} is documented with HTTP ${extra}`,
        ).toBe(true);
      }
    }
  });

  it('has every documented code in the registry, with the documented status', () => {
    for (const { code, statuses } of documented) {
      expect(Object.keys(REQUEST_ERRORS), `documented ${code} is in the registry`).toContain(code);
      const allowed = [REQUEST_ERRORS[code as RequestErrorCode], ...(TRANSPORT_STATUSES[code as RequestErrorCode] ?? [])];
      for (const status of statuses) expect(allowed, `${code} documented with HTTP ${status}`).toContain(status);
    }
  });
});

describe('task errors: registry ↔ docs/errors.md', () => {
  const documented = new Set([...tableRows('Task errors'), ...tableRows('Upstream task errors')].flatMap(([code]) => codesIn(code!)));

  it('documents every task code of the registry', () => {
    for (const code of TASK_ERROR_CODES) expect([...documented], `${code} is documented`).toContain(code);
  });

  it('has every documented task code in the registry', () => {
    for (const code of documented) expect(TASK_ERROR_CODES as readonly string[], `documented ${code} is in the registry`).toContain(code);
  });
});

describe('one module builds the errors', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
    });

  it('constructs ApiError only in src/errors.ts', () => {
    const offenders = files(join(ROOT, 'src')).filter((path) => !path.endsWith('/src/errors.ts') && /new ApiError\(/.test(readFileSync(path, 'utf8')));
    expect(offenders.map((path) => path.slice(ROOT.length + 1))).toEqual([]);
  });
});
