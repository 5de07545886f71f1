/**
 * The crash test: a few hundred tasks against a child-process server that is SIGKILLed several
 * times and restarted. Each kill comes after a seeded-random number of acknowledged creates
 * (not after a time), with more creates still in flight, so that it lands among commits. After
 * each restart every acknowledged task is still known (a create answered 200 is never lost); at
 * the end every task is SUCCEEDED, FAILED or CANCELED (none stuck PENDING or RUNNING); every
 * result URL downloads a valid PNG; no SUCCEEDED result is ever lost; and no image of any task
 * was started more often than RETOUCH_MAX_ATTEMPTS (counted by the test engine's run log,
 * independently of the store's own bookkeeping, and cross-checked in SQLite).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { call, createBody, createTask, getTask, imageDataUri } from '../helpers/http.js';
import { spawnServer, tempDataDir, TEST_KEY, type ChildServer } from '../helpers/server.js';
import { addKey, prng } from './helpers.js';

const SEED = 20261128;
const KILLS = 5;
const PER_ROUND = 80;
const MAX_ATTEMPTS = 3;
const TERMINAL = ['SUCCEEDED', 'FAILED', 'CANCELED'];

interface Submitted {
  id: string;
  key: string;
  mark: string;
  n: number;
}

/** Runs `fn` over `items` with at most `width` at once. */
async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

describe('crash safety under repeated SIGKILL', () => {
  const dir = tempDataDir();
  const logDir = mkdtempSync(join(tmpdir(), 'retouch-runlog-'));
  const runLog = join(logDir, 'runs.log');
  let server: ChildServer | undefined;
  afterAll(() => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    rmSync(logDir, { recursive: true, force: true });
  });

  it(`${KILLS} kills, up to ${KILLS * PER_ROUND} submissions: nothing lost, nothing run more than ${MAX_ATTEMPTS} times`, async () => {
    const started = Date.now();
    const random = prng(SEED);
    const env = {
      RETOUCH_LEASE: '1s',
      RETOUCH_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      RETOUCH_WORKER_CONCURRENCY: '6',
      RETOUCH_RATE_LIMIT_SUBMIT: '0',
      RETOUCH_RATE_LIMIT_QUERY: '0',
      RETOUCH_TEST_ENGINE_LOG: runLog,
    };
    writeFileSync(runLog, '');
    // Three workspaces, so the per-workspace running cap (5) is not the only thing scheduling.
    server = await spawnServer(dir, env);
    const keys = [TEST_KEY, await addKey(dir, 'crash-b'), await addKey(dir, 'crash-c')];
    const image = await imageDataUri(400, 400);

    const submitted: Submitted[] = [];
    const canceled = new Set<string>();
    const seenSucceeded = new Map<string, string[]>();
    let unacknowledged = 0;

    for (let round = 0; round <= KILLS; round++) {
      if (round > 0) {
        server = await spawnServer(dir, env);
        // Nothing acknowledged before the kill is lost.
        await pool([...submitted], 8, async (t) => {
          expect((await getTask(server!.url, t.key, t.id)).body.output.task_status).not.toBe('UNKNOWN');
        });
      }
      const url = server.url;
      if (round === KILLS) break;
      let killed = false;
      // Killed right after this many creates of the round were acknowledged (others in flight).
      const killAfter = 30 + Math.floor(random() * 40);
      let acknowledged = 0;
      let kill!: () => void;
      const killNow = new Promise<void>((resolve) => (kill = resolve));
      const plan = Array.from({ length: PER_ROUND }, (_, i) => ({
        mark: `r${round}i${i}`,
        n: 1 + Math.floor(random() * 4),
        sleep: 5 + Math.floor(random() * 60),
        key: keys[Math.floor(random() * keys.length)]!,
        cancel: random() < 0.06,
      }));
      const submitting = pool(plan, 10, async (p) => {
        if (killed) return;
        try {
          const res = await createTask(url, p.key, createBody([image], `sleep=${p.sleep} mark=${p.mark}`, { n: p.n }));
          if (res.status !== 200) throw new Error(`create answered ${res.status}: ${JSON.stringify(res.body)}`);
          const id = res.body.output.task_id as string;
          submitted.push({ id, key: p.key, mark: p.mark, n: p.n });
          if (++acknowledged === killAfter) kill();
          if (p.cancel) {
            const c = await call(`${url}/api/v1/tasks/${id}/cancel`, { method: 'POST', key: p.key });
            if (c.status === 200) canceled.add(id);
          }
        } catch (err) {
          if (!killed) throw err;
          unacknowledged++; // the server died mid-request: the task may or may not exist
        }
      });
      // Meanwhile, record every SUCCEEDED seen: those results must survive every later crash.
      const observing = (async () => {
        while (!killed) {
          await pool([...submitted], 8, async (t) => {
            if (killed || seenSucceeded.has(t.id)) return;
            const res = await getTask(url, t.key, t.id).catch(() => undefined);
            const output = res?.body?.output;
            if (output?.task_status === 'SUCCEEDED')
              seenSucceeded.set(
                t.id,
                output.results.map((r: { url?: string }) => r.url ?? r),
              );
          });
          await sleep(50);
        }
      })();
      await Promise.race([killNow, submitting]);
      killed = true;
      server.child.kill('SIGKILL');
      expect(await server.exited).toBe('SIGKILL');
      await Promise.all([submitting, observing]);
    }

    // Final run: wait until every task the store holds is finished.
    const url = server.url;
    const deadline = Date.now() + 45_000;
    const finals = new Map<string, any>();
    while (finals.size < submitted.length) {
      if (Date.now() > deadline) throw new Error(`${submitted.length - finals.size} tasks did not finish`);
      await pool(
        submitted.filter((t) => !finals.has(t.id)),
        8,
        async (t) => {
          const output = (await getTask(url, t.key, t.id)).body.output;
          if (TERMINAL.includes(output.task_status)) finals.set(t.id, output);
          else expect(['PENDING', 'RUNNING']).toContain(output.task_status);
        },
      );
      if (finals.size < submitted.length) await sleep(100);
    }

    // 1. Terminal states; the cancelled ones CANCELED; failures only from the retry bound.
    const counts: Record<string, number> = {};
    for (const t of submitted) {
      const output = finals.get(t.id);
      counts[output.task_status] = (counts[output.task_status] ?? 0) + 1;
      if (canceled.has(t.id)) expect(output.task_status).toBe('CANCELED');
      if (output.task_status === 'FAILED') expect(output.code).toBe('InternalError.Interrupted');
    }
    expect(submitted.length).toBeGreaterThanOrEqual(KILLS * 30);
    expect(counts.SUCCEEDED).toBeGreaterThan(0);

    // 2. Every result URL downloads a complete, valid PNG of the promised kind.
    const downloads: string[] = [];
    for (const t of submitted) {
      const output = finals.get(t.id);
      if (output.task_status !== 'SUCCEEDED') continue;
      expect(output.results).toHaveLength(t.n);
      for (const r of output.results) if (r.url) downloads.push(r.url);
    }
    await pool(downloads, 8, async (link) => {
      expect(link).not.toMatch(/\.tmp\b/);
      const res = await fetch(link);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
      const meta = await sharp(bytes).metadata();
      expect(meta.format).toBe('png');
      // A full decode: a half-written file would fail here.
      await sharp(bytes, { failOn: 'error' }).raw().toBuffer();
    });

    // 3. A result once reported SUCCEEDED is never lost (same links, still downloadable above).
    for (const [id, results] of seenSucceeded) {
      const output = finals.get(id);
      expect(output.task_status).toBe('SUCCEEDED');
      expect(output.results.length).toBe(results.length);
    }

    // 4. The retry bound, counted by the engine itself: each (task, image) started ≤ MAX_ATTEMPTS times.
    const starts = new Map<string, number>();
    for (const line of readFileSync(runLog, 'utf8').split('\n')) if (line) starts.set(line, (starts.get(line) ?? 0) + 1);
    const worst = Math.max(...starts.values());
    expect(worst).toBeLessThanOrEqual(MAX_ATTEMPTS);
    const reRuns = [...starts.values()].filter((c) => c > 1).length;

    // 5. The store agrees, and holds no unfinished task at all (including submissions whose
    //    response was lost in a crash) and no reference to a temporary file.
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const db = new Database(join(dir, 'retouch.db'), { readonly: true });
    try {
      const row = db.prepare("SELECT max(attempts) AS worst, sum(status IN ('PENDING','RUNNING')) AS open, count(*) AS total FROM tasks").get() as {
        worst: number;
        open: number;
        total: number;
      };
      expect(row.worst).toBeLessThanOrEqual(MAX_ATTEMPTS);
      expect(row.open).toBe(0);
      expect(row.total).toBeGreaterThanOrEqual(submitted.length);
      const tmpRefs = db.prepare("SELECT count(*) AS c FROM tasks WHERE results LIKE '%.tmp%' OR input_keys LIKE '%.tmp%'").get() as { c: number };
      expect(tmpRefs.c).toBe(0);
    } finally {
      db.close();
    }
    console.log(
      `crash test: ${submitted.length} acknowledged (+${unacknowledged} lost in crashes), ${JSON.stringify(counts)}, ` +
        `${canceled.size} cancelled, ${downloads.length} downloads, ${seenSucceeded.size} seen SUCCEEDED before a crash, ` +
        `${reRuns} images re-run, worst ${worst} starts, ${Date.now() - started} ms`,
    );
  }, 90_000);
});
