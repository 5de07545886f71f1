/**
 * `retouch backup` while tasks run, `retouch restore` into a fresh data dir, `retouch serve` on
 * it: every task that had SUCCEEDED is there with working result links (the links handed out
 * before the backup too, on the new origin), and the tasks that were queued or running when the
 * backup was taken run to the end on the restored server.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/db/sqlite/database.js';
import { createBody, createTask, getTask, imageDataUri, listTasks, waitForStatus } from '../helpers/http.js';
import { REPO_ROOT, startTestServer, TEST_KEY, testEnv, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function retouch(args: string[], dataDir: string) {
  return run(process.execPath, [join(REPO_ROOT, 'bin/retouch.js'), ...args, '--data-dir', dataDir], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...testEnv(dataDir) },
  });
}

async function allTasks(server: { url: string }) {
  const res = await listTasks(server.url, TEST_KEY, { page_size: 100 });
  return res.body.data as { task_id: string; status: string }[];
}

describe('backup while tasks run, restore into a fresh data dir', () => {
  for (const target of ['backup-dir', 'backup.tar.gz']) {
    it(`every SUCCEEDED task and its result links work after restore (${target})`, async () => {
      const work = mkdtempSync(join(tmpdir(), 'retouch-backup-'));
      cleanups.push(() => rmSync(work, { recursive: true, force: true }));
      const live: TestServer = await startTestServer({
        RETOUCH_WORKER_CONCURRENCY: '2',
        RETOUCH_MAX_RUNNING_PER_WORKSPACE: '2',
        RETOUCH_RATE_LIMIT_SUBMIT: '0',
        RETOUCH_RATE_LIMIT_QUERY: '0',
      });
      let liveOpen = true;
      cleanups.push(async () => void (liveOpen && (await live.close())));
      const image = await imageDataUri();

      const submit = async (prompt: string) => {
        const res = await createTask(live.url, live.key, createBody([image], prompt, { n: 2 }));
        expect(res.status).toBe(200);
        return res.body.output.task_id as string;
      };
      const early = [await submit('sleep=5'), await submit('sleep=5')];
      const earlyLinks = new Map<string, string[]>();
      for (const id of early) {
        const done = await waitForStatus(live.url, live.key, id);
        earlyLinks.set(
          id,
          done.body.output.results.map((r: { url: string }) => r.url),
        );
      }
      // Busy while the backup runs: slow tasks running, more queued, more submitted meanwhile.
      const slow = await Promise.all([1, 2, 3, 4].map(() => submit('sleep=1500')));
      await waitForStatus(live.url, live.key, slow[0]!, ['RUNNING']);
      const backupPath = join(work, target);
      const [backup, during] = await Promise.all([
        retouch(['backup', backupPath, '--json'], live.dataDir),
        Promise.all([submit('sleep=5'), submit('sleep=300')]),
      ]);
      const manifest = JSON.parse(backup.stdout) as { tasks: number; blobs: number; missing: number; schemaVersion: number };
      expect(manifest.missing).toBe(0);
      expect(manifest.tasks).toBeGreaterThanOrEqual(early.length + slow.length);
      if (target === 'backup-dir') {
        // The copy was taken mid-work: it holds unfinished tasks (the restored server runs them).
        const copy = new Database(join(backupPath, 'retouch.db'), { readonly: true });
        const unfinished = copy.prepare("SELECT count(*) AS n FROM tasks WHERE status IN ('PENDING', 'RUNNING')").get() as { n: number };
        copy.close();
        expect(unfinished.n).toBeGreaterThan(0);
      }
      const succeededAtBackup = (await allTasks(live)).filter((t) => t.status === 'SUCCEEDED').map((t) => t.task_id);
      await live.close();
      liveOpen = false;

      const restoredDir = join(work, 'restored');
      const restored = await retouch(['restore', backupPath], restoredDir);
      expect(restored.stdout).toContain(`into ${restoredDir}`);
      expect(existsSync(join(restoredDir, 'retouch.db'))).toBe(true);
      // Default lease (30 s): tasks RUNNING in the snapshot must still be requeued at once, since
      // restore expires the copy's leases (their workers are not part of this deployment).
      const server = await startTestServer({ RETOUCH_DATA_DIR: restoredDir, RETOUCH_RATE_LIMIT_QUERY: '0' });
      cleanups.push(() => server.close());

      const tasks = await allTasks(server);
      const ids = new Set(tasks.map((t) => t.task_id));
      for (const id of [...early, ...slow]) expect(ids.has(id), `task ${id} in the backup`).toBe(true);
      // Every task finishes on the restored server; each SUCCEEDED one has working links.
      for (const t of tasks) {
        const done = await waitForStatus(server.url, server.key, t.task_id, undefined, 20_000);
        expect(done.body.output.task_status).toBe('SUCCEEDED');
        for (const r of done.body.output.results as { url: string }[]) {
          const res = await fetch(r.url);
          expect(res.status, r.url).toBe(200);
          expect(res.headers.get('content-type')).toBe('image/png');
        }
      }
      // Those that had SUCCEEDED before the backup finished are at least the ones seen at its start.
      for (const id of early) expect(succeededAtBackup).toContain(id);
      // Links handed out before the backup verify on the restored server (same signing keys).
      for (const [id, urls] of earlyLinks) {
        for (const url of urls) {
          const moved = new URL(url);
          const res = await fetch(`${server.url}${moved.pathname}${moved.search}`);
          expect(res.status, `old link of ${id}`).toBe(200);
        }
      }
      // Tasks submitted while the backup ran are in it or not, never half: those present finished above.
      for (const id of during) if (ids.has(id)) expect((await getTask(server.url, server.key, id)).body.output.task_status).toBe('SUCCEEDED');
    }, 120_000);
  }

  it('refuses to restore over a data dir that is not empty, and to back up into an existing target', async () => {
    const live = await startTestServer();
    cleanups.push(() => live.close());
    const work = mkdtempSync(join(tmpdir(), 'retouch-backup-'));
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    await retouch(['backup', join(work, 'b.tar.gz')], live.dataDir);
    const again = await retouch(['backup', join(work, 'b.tar.gz')], live.dataDir).catch((e: { code: number; stderr: string }) => e);
    expect(again).toMatchObject({ code: 1 });
    expect((again as { stderr: string }).stderr).toContain('already exists');
    const over = await retouch(['restore', join(work, 'b.tar.gz')], live.dataDir).catch((e: { code: number; stderr: string }) => e);
    expect(over).toMatchObject({ code: 1 });
    expect((over as { stderr: string }).stderr).toContain('is not empty: restore into a new data directory');
    const absent = await retouch(['restore', join(work, 'no-such-backup.tar.gz')], join(work, 'fresh-0')).catch((e: { code: number; stderr: string }) => e);
    expect(absent).toMatchObject({ code: 1 });
    expect((absent as { stderr: string }).stderr).toContain(`${join(work, 'no-such-backup.tar.gz')} does not exist: name a backup made by \`retouch backup\``);

    // A backup from a newer schema is refused before anything is written.
    const dir = join(work, 'newer');
    await retouch(['backup', dir], live.dataDir);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { schemaVersion: number };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, schemaVersion: MIGRATIONS.length + 1 }));
    const target = join(work, 'fresh');
    const newer = await retouch(['restore', dir], target).catch((e: { code: number; stderr: string }) => e);
    expect(newer).toMatchObject({ code: 1 });
    expect((newer as { stderr: string }).stderr).toContain(
      `has schema version ${MIGRATIONS.length + 1}, but this retouch knows versions up to ${MIGRATIONS.length}`,
    );
    expect(existsSync(join(target, 'retouch.db'))).toBe(false);
  });

  it('a backup into, or a restore to, a directory that cannot be made (under /proc) fails at once instead of spinning', async () => {
    const live = await startTestServer();
    cleanups.push(() => live.close());
    // Node's recursive mkdir retries forever where the kernel answers ENOENT for any child.
    const backup = await retouch(['backup', '/proc/retouch-nope/backup'], live.dataDir).catch((e: { code: number; stderr: string }) => e);
    expect(backup).toMatchObject({ code: 1 });
    expect((backup as { stderr: string }).stderr).toContain('/proc/retouch-nope');
    const work = mkdtempSync(join(tmpdir(), 'retouch-backup-'));
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    await retouch(['backup', join(work, 'b')], live.dataDir);
    const restore = await retouch(['restore', join(work, 'b')], '/proc/retouch-nope/data').catch((e: { code: number; stderr: string }) => e);
    expect(restore).toMatchObject({ code: 1 });
    expect((restore as { stderr: string }).stderr).toContain('/proc/retouch-nope');
  }, 30_000);

  it('a shared store (PostgreSQL or S3) is not backed up by `retouch backup`: it says what to use', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'retouch-backup-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const refused = await run(process.execPath, [join(REPO_ROOT, 'bin/retouch.js'), 'backup', join(dataDir, 'b.tar.gz')], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...testEnv(dataDir), RETOUCH_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 2 });
    expect((refused as { stderr: string }).stderr).toMatch(/With RETOUCH_DATABASE_URL use pg_dump/);
  });
});
