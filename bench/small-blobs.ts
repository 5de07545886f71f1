/**
 * Small-blob bench (issue 15): what keeping a blob costs on the embedded deployment, as a row of
 * the SQLite database (src/blobs/sqlite/sqlite-inline-blobs.ts) against a file of the local-disk
 * store (src/blobs/fs/fs-blob-store.ts), both through the real stores, side by side in the same
 * run, rounds interleaved, medians. Process CPU (all threads, user + kernel) per blob.
 *
 *   npx tsx bench/small-blobs.ts                        # ~1 minute
 *   npx tsx bench/small-blobs.ts --sizes 1300,65536 --rounds 3
 *
 * One blob = put, get, and the delete of the blob put `--lag` blobs earlier, with 8 puts in
 * flight (as 8 tasks would be): the steady state of a service whose old tasks expire while new
 * ones arrive. The deletes matter on ext4: the inode allocator skips inodes whose deletion the
 * journal has not committed yet, so creating files while deleting others costs far more kernel
 * time than creating them alone. The store's folder is under $TMPDIR (put it on the disk the
 * data dir would be on).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BlobStore } from '../src/blobs/blob-store.js';
import { createFsBlobStore } from '../src/blobs/fs/fs-blob-store.js';
import { withSqliteInlineBlobs } from '../src/blobs/sqlite/sqlite-inline-blobs.js';
import { createUrlSigner, loadSigningKeys } from '../src/blobs/url-signer.js';
import { openSqlite } from '../src/db/sqlite/database.js';
import { startCheckpointer } from '../src/db/sqlite/checkpointer.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1300,16384,55000,65536,131072,262144' },
    rounds: { type: 'string', default: '3' },
    blobs: { type: 'string', default: '2000' },
    lag: { type: 'string', default: '500' },
  },
});
const SIZES = values.sizes!.split(',').map(Number);
const ROUNDS = Number(values.rounds);
const BLOBS = Number(values.blobs);
const LAG = Number(values.lag);
const IN_FLIGHT = 8;

interface Store {
  readonly blobs: BlobStore;
  close(): Promise<void>;
}

function open(kind: 'row' | 'file'): Store {
  const dir = mkdtempSync(join(tmpdir(), `bench-small-blobs-${kind}-`));
  const signer = createUrlSigner(() => 'http://127.0.0.1', loadSigningKeys(join(dir, 'keys.json'), Date.now()));
  const files = createFsBlobStore(join(dir, 'blobs'), signer, { fsync: false });
  if (kind === 'file') return { blobs: files, close: async () => rmSync(dir, { recursive: true, force: true }) };
  const db = openSqlite(join(dir, 'retouch.db'));
  const checkpointer = startCheckpointer(db);
  return {
    // Every size as a row, also above the store's limit, to show where the limit should be.
    blobs: withSqliteInlineBlobs(files, db, Number.MAX_SAFE_INTEGER),
    async close() {
      await checkpointer.stop();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** CPU µs per blob: put, get, delete of the one `LAG` earlier; IN_FLIGHT at a time. */
async function measure(kind: 'row' | 'file', size: number): Promise<number> {
  const store = open(kind);
  const data = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7919) % 251));
  const key = (i: number) => `ws/results/${(i % 256).toString(16).padStart(2, '0')}/t${i}.0.png`;
  const one = async (i: number) => {
    await store.blobs.put(key(i), data, 'image/png');
    if ((await store.blobs.get(key(i)))?.length !== size) throw new Error('read back the wrong blob');
    if (i >= LAG) await store.blobs.delete([key(i - LAG)]);
  };
  // Warm-up: the first LAG blobs, whose deletes have nothing to delete yet.
  for (let i = 0; i < LAG; i += IN_FLIGHT) await Promise.all(Array.from({ length: IN_FLIGHT }, (_, j) => one(i + j)));
  const start = process.cpuUsage();
  for (let i = LAG; i < LAG + BLOBS; i += IN_FLIGHT) await Promise.all(Array.from({ length: IN_FLIGHT }, (_, j) => one(i + j)));
  const used = process.cpuUsage(start);
  await store.close();
  return (used.user + used.system) / BLOBS;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: string[] = [];
for (const size of SIZES) {
  const row: number[] = [];
  const file: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which goes first, so neither always meets the disk right after the other.
    const order: ('row' | 'file')[] = r % 2 ? ['file', 'row'] : ['row', 'file'];
    for (const kind of order) (kind === 'row' ? row : file).push(await measure(kind, size));
  }
  const line = `| ${size.toLocaleString('en')} | ${median(row).toFixed(0)} | ${median(file).toFixed(0)} | ${(median(file) / median(row)).toFixed(2)} | ${row.map((x) => x.toFixed(0)).join(', ')} | ${file.map((x) => x.toFixed(0)).join(', ')} |`;
  console.log(line);
  rows.push(line);
}
console.log(`\n${BLOBS} blobs per round after ${LAG} of warm-up, ${ROUNDS} rounds, ${IN_FLIGHT} in flight, each deleting the one ${LAG} before\n`);
console.log('| size (bytes) | row: CPU per blob (µs) | file: CPU per blob (µs) | file ÷ row | row, rounds | file, rounds |');
console.log('|---:|---:|---:|---:|---|---|');
for (const line of rows) console.log(line);
