/** Shared helpers for the security suites: servers with extra workspaces, hostile images. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { createKeyStore } from '../../src/auth/key-store.js';
import { createSqliteKeyRepository } from '../../src/auth/sqlite/sqlite-key-repository.js';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { openSqlite } from '../../src/db/sqlite/database.js';
import type { Clock } from '../../src/tasks/task-service.js';
import { testEnv, TEST_KEY } from '../helpers/server.js';

export interface SecServer {
  readonly url: string;
  readonly key: string;
  readonly dataDir: string;
  readonly server: RunningServer;
  /** Creates an API key for another workspace (through the same SQLite file, as the CLI does). */
  addKey(workspaceId: string): Promise<string>;
  close(): Promise<void>;
}

export async function addKey(dataDir: string, workspaceId: string): Promise<string> {
  const db = openSqlite(join(dataDir, 'retouch.db'));
  try {
    return (await createKeyStore(createSqliteKeyRepository(db)).create({ workspaceId, name: 'test', now: Date.now() })).secret;
  } finally {
    db.close();
  }
}

export async function startSecServer(env: Record<string, string> = {}, clock?: Clock): Promise<SecServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'retouch-sec-'));
  const server = await startServer(loadConfig(testEnv(dataDir, env)), clock ? { clock } : {});
  return {
    url: server.url,
    key: TEST_KEY,
    dataDir,
    server,
    addKey: (workspaceId) => addKey(dataDir, workspaceId),
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---- hand-made PNG chunks, for images no encoder would write ----

function crc32(buf: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buf) {
    let c = (crc ^ byte) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A PNG whose header claims `width`×`height` (8-bit RGB) followed by `idat` as its only data. */
export function claimingPng(width: number, height: number, idat: Buffer = deflateSync(Buffer.alloc(1024))): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

/** Inserts `chunk` just before a PNG's IEND (the last 12 bytes). */
export function withChunkBeforeEnd(png: Buffer, chunk: Buffer): Buffer {
  return Buffer.concat([png.subarray(0, png.length - 12), chunk, png.subarray(png.length - 12)]);
}

/** Inserts `chunk` right after IHDR (8 + 25 bytes), where ancillary chunks like iCCP must go. */
export function withChunkAfterHeader(png: Buffer, chunk: Buffer): Buffer {
  return Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);
}

export const dataUri = (bytes: Buffer, mime = 'image/png') => `data:${mime};base64,${bytes.toString('base64')}`;

/** A deterministic PRNG for seeded randomness in tests: the engine's own (mulberry32). */
export { createRng as prng } from '../../src/engines/local/rng.js';
