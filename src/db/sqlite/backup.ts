/**
 * Backups of an embedded deployment (SQLite + blobs in the data dir), taken while it runs.
 *
 * Consistency: the database is copied first, with SQLite's online backup API (a page-by-page
 * copy that restarts when another connection writes meanwhile, so it ends as one committed
 * state, and never blocks the server for long). Then exactly the blobs that this copy refers to
 * are copied: task inputs, task results and uploads. That is enough because blobs are immutable
 * and written before the row that names them commits (the worker puts a result, then records
 * it), so every blob the copy names was complete on disk when the copy was taken. A named blob
 * can only be gone by the time it is copied if it was deleted since: its task reached the end of
 * its retention (or its upload expired) after the snapshot. Those are counted as `missing`; the
 * restored server's reaper removes those rows at its first sweep, as the live one just did.
 * Tasks RUNNING in the copy get their leases expired on restore, so they are requeued at once.
 *
 * Small blobs are rows of the database (sqlite-inline-blobs.ts), so the database copy holds them.
 *
 * A backup is a directory (or the same directory as a .tar/.tar.gz file): manifest.json,
 * retouch.db, signing-keys.json and blobs/ (the blobs kept as files).
 */
import Database from 'better-sqlite3';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as tar from 'tar';
import { isSafeKey } from '../../blobs/blob-store.js';
import { makeDirSync } from '../../make-dir.js';
import { MIGRATIONS } from './database.js';
import { assertSchemaNotNewer } from '../schema-version.js';

export const BACKUP_FORMAT = 'retouch-backup/1';

export interface BackupManifest {
  readonly format: typeof BACKUP_FORMAT;
  readonly createdAt: string;
  readonly schemaVersion: number;
  readonly tasks: number;
  readonly blobs: number;
  /** Blobs named by the snapshot but deleted (expired) before they were copied. */
  readonly missing: number;
}

const isArchive = (path: string) => /\.tar(\.gz)?$|\.tgz$/.test(path);

/** Blob keys the database refers to: task inputs and results, uploads. */
function referencedBlobs(db: Database.Database): Set<string> {
  const keys = new Set<string>();
  for (const row of db.prepare<[], { input_keys: string; results: string }>('SELECT input_keys, results FROM tasks').iterate()) {
    for (const key of JSON.parse(row.input_keys) as string[]) keys.add(key);
    for (const r of JSON.parse(row.results) as ({ ok: boolean; blobKey?: string } | null)[]) if (r?.ok && r.blobKey) keys.add(r.blobKey);
  }
  for (const row of db.prepare<[], { blob_key: string }>('SELECT blob_key FROM uploads').iterate()) keys.add(row.blob_key);
  return keys;
}

/** Keys of the blobs kept in the database itself (none before schema version 9). */
function inlineBlobs(db: Database.Database): string[] {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'inline_blobs'").get();
  return table ? db.prepare<[], string>('SELECT key FROM inline_blobs').pluck().all() : [];
}

async function emptyOrAbsent(dir: string): Promise<boolean> {
  if (!existsSync(dir)) return true;
  return (await readdir(dir)).length === 0;
}

export async function backupDataDir(dataDir: string, target: string, now: () => Date = () => new Date()): Promise<BackupManifest> {
  const dbFile = join(dataDir, 'retouch.db');
  if (!existsSync(dbFile)) throw new Error(`no retouch database in ${dataDir} (expected ${dbFile})`);
  const archive = isArchive(target);
  if (archive ? existsSync(target) : !(await emptyOrAbsent(target))) throw new Error(`${target} already exists: back up into a new file or an empty directory`);
  const stage = archive ? await mkdtemp(join(dirname(target), `.${basename(target)}-`)) : target;
  try {
    // Directories a user names are made by makeDirSync (Node's recursive mkdir spins under /proc).
    makeDirSync(stage);
    const source = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      await source.backup(join(stage, 'retouch.db'));
    } finally {
      source.close();
    }
    const copy = new Database(join(stage, 'retouch.db'), { readonly: true });
    let keys: Set<string>;
    let tasks: number;
    let schemaVersion: number;
    let blobs = 0;
    try {
      schemaVersion = copy.pragma('user_version', { simple: true }) as number;
      keys = referencedBlobs(copy);
      tasks = (copy.prepare('SELECT count(*) AS n FROM tasks').get() as { n: number }).n;
      // Small blobs are rows of the database (sqlite-inline-blobs.ts): the copy holds them already.
      for (const key of inlineBlobs(copy)) if (keys.delete(key)) blobs++;
    } finally {
      copy.close();
    }
    let missing = 0;
    for (const key of keys) {
      if (!isSafeKey(key)) throw new Error(`the database names an unsafe blob key: ${key}`);
      const to = join(stage, 'blobs', key);
      await mkdir(dirname(to), { recursive: true });
      try {
        await copyFile(join(dataDir, 'blobs', key), to);
        blobs++;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        missing++;
      }
    }
    // Result links are signed with these keys: without them, restored links would not verify.
    if (existsSync(join(dataDir, 'signing-keys.json'))) await copyFile(join(dataDir, 'signing-keys.json'), join(stage, 'signing-keys.json'));
    const manifest: BackupManifest = { format: BACKUP_FORMAT, createdAt: now().toISOString(), schemaVersion, tasks, blobs, missing };
    await writeFile(join(stage, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    if (archive) await tar.create({ file: target, cwd: stage, gzip: !target.endsWith('.tar'), portable: true }, await readdir(stage));
    return manifest;
  } catch (err) {
    if (archive) await rm(target, { force: true });
    throw err;
  } finally {
    if (archive) await rm(stage, { recursive: true, force: true });
  }
}

/** Restores a backup into a data dir that is empty or does not exist yet. */
export async function restoreDataDir(source: string, dataDir: string): Promise<BackupManifest> {
  if (!(await emptyOrAbsent(dataDir))) throw new Error(`${dataDir} is not empty: restore into a new data directory (stop the server, move the old one aside)`);
  if (!existsSync(source)) throw new Error(`${source} does not exist: name a backup made by \`retouch backup\` (an archive or a directory)`);
  const archive = (await stat(source)).isFile();
  const from = archive ? await mkdtemp(join(dirname(dataDir), `.retouch-restore-`)) : source;
  try {
    if (archive) await tar.extract({ file: source, cwd: from });
    const manifest = JSON.parse(await readFile(join(from, 'manifest.json'), 'utf8')) as BackupManifest;
    if (manifest.format !== BACKUP_FORMAT) throw new Error(`${source} is not a retouch backup (format ${String(manifest.format)})`);
    assertSchemaNotNewer(`The backup ${source}`, manifest.schemaVersion, MIGRATIONS.length);
    makeDirSync(dataDir);
    await copyTree(join(from, 'blobs'), join(dataDir, 'blobs'));
    if (existsSync(join(from, 'signing-keys.json'))) await copyFile(join(from, 'signing-keys.json'), join(dataDir, 'signing-keys.json'));
    // The database last: a data dir with a database is a data dir retouch will serve.
    const dbFile = join(dataDir, 'retouch.db');
    await copyFile(join(from, 'retouch.db'), `${dbFile}.restoring`);
    // The workers that held leases in the copy are not part of the restored deployment: expire
    // those leases, so the restored server requeues their tasks at once rather than after
    // RETOUCH_LEASE.
    const db = new Database(`${dbFile}.restoring`);
    try {
      db.prepare("UPDATE tasks SET lease_until = 0 WHERE status = 'RUNNING'").run();
    } finally {
      db.close();
    }
    await rename(`${dbFile}.restoring`, dbFile);
    return manifest;
  } finally {
    if (archive) await rm(from, { recursive: true, force: true });
  }
}

async function copyTree(from: string, to: string): Promise<void> {
  if (!existsSync(from)) return;
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (entry.isDirectory()) await copyTree(join(from, entry.name), join(to, entry.name));
    else await copyFile(join(from, entry.name), join(to, entry.name));
  }
}
